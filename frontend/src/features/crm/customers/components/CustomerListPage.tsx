import { PageHeader } from "../../../../components/PageHeader";

// Placeholder until the page is built (issue 14).
export function CustomerListPage() {
  return <PageHeader title="Customers" />;
}
