import { Badge } from "@mantine/core";
import type { QuestionStatus } from "../api/questions-query";

const COLOR: Record<QuestionStatus, string> = {
  open: "orange", answered: "blue", published: "teal", dismissed: "gray",
  merged: "grape",
};

export function QuestionStatusBadge({ status }: { status: QuestionStatus }) {
  return (
    <Badge size="sm" variant="light" color={COLOR[status]}>
      {status}
    </Badge>
  );
}
