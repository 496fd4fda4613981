import type { ReactNode } from "react";

/** A wide table's horizontal scroller, reachable by keyboard (arrow keys scroll it once focused). */
export function ScrollRegion({ label, minWidth, children }: { label: string; minWidth: number; children: ReactNode }) {
  return (
    <div className="scroll-region" role="region" aria-label={label} tabIndex={0}>
      <div style={{ minWidth }}>{children}</div>
    </div>
  );
}
