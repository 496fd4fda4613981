import { PageHeader } from "../../../../components/PageHeader";

// Placeholder until the page is built (issue 14).
export function PendingQuestionsPage() {
  return <PageHeader title="Pending questions" />;
}
