import { Badge } from "@mantine/core";
import type { Schemas } from "../../../../api/client";
import { STAGE_COLORS, STAGE_LABELS } from "../options";

export function StageBadge({ stage }: { stage: Schemas["Stage"] }) {
  return (
    <Badge variant="light" color={STAGE_COLORS[stage]} radius="sm" tt="none" miw="max-content">
      {STAGE_LABELS[stage]}
    </Badge>
  );
}
