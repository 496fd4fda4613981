import { Badge } from "@mantine/core";
import type { Entry } from "../api/entries-query";

const COLORS: Record<Entry["embedding_status"], string> = {
  pending: "gray",
  processing: "blue",
  completed: "green",
  failed: "red",
};

export function EmbeddingStatusBadge({ status }: { status: Entry["embedding_status"] }) {
  return (
    <Badge color={COLORS[status]} variant="light" data-testid="embedding-status">
      embedding {status}
    </Badge>
  );
}
