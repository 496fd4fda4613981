import { Anchor, Breadcrumbs, Stack, Text, Title } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageLoader } from "../../../../components/PageLoader";
import { usePublicEntriesQuery } from "../api/public-entries-query";
import { useLearningTenant } from "../api/tenant";
import { EntryList } from "./EntryList";

/** The public entries filed under a topic (an entry's category is the topic's slug). */
export function CategoryPage() {
  const { tenant, base } = useLearningTenant();
  const { slug = "" } = useParams();
  const entries = usePublicEntriesQuery(tenant, { category: slug, sort: "title", per_page: 50 });
  return (
    <Stack gap="md">
      <Breadcrumbs>
        <Anchor component={Link} to={base || "/"}>
          Learning Center
        </Anchor>
        <Text size="sm">{slug}</Text>
      </Breadcrumbs>
      <Title order={1}>Topic: {slug}</Title>
      {entries.isPending ? (
        <PageLoader />
      ) : entries.isError ? (
        <ErrorAlert error={entries.error} onRetry={() => void entries.refetch()} />
      ) : (
        <EntryList entries={entries.data.items} base={base} />
      )}
    </Stack>
  );
}
