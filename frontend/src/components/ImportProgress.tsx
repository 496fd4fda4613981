import { Progress, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** An import's progress bar and its spoken percentage; `detail` follows the percentage (e.g. failed jobs). */
export function ImportProgress({ percent, finished, detail }: { percent: number; finished: boolean; detail?: ReactNode }) {
  return (
    <>
      <Progress value={percent} size="lg" animated={!finished} aria-label="Import progress" aria-valuetext={`${percent}%`} />
      <Text size="sm" role="status" aria-live="polite">
        {percent}% done
        {detail}
      </Text>
    </>
  );
}
