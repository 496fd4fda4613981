import { Anchor, Card, Stack, Text, Title } from "@mantine/core";
import { Link, useSearchParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageLoader } from "../../../../components/PageLoader";
import { Snippet } from "../../../../components/Snippet";
import { usePublicSearchQuery } from "../api/public-search-query";
import { useLearningTenant } from "../api/tenant";
import { SearchBox } from "./SearchBox";
import { VoteButtons } from "./VoteButtons";

export function SearchPage() {
  const { tenant, base } = useLearningTenant();
  const [params] = useSearchParams();
  const q = params.get("q") ?? "";
  const results = usePublicSearchQuery(tenant, q);

  return (
    <Stack gap="lg">
      <Title order={1}>Search results</Title>
      <SearchBox key={q} initial={q} />
      {!q.trim() ? (
        <Text c="dimmed">Type a question above.</Text>
      ) : results.isPending ? (
        <PageLoader label="Searching" />
      ) : results.isError ? (
        <ErrorAlert error={results.error} onRetry={() => void results.refetch()} />
      ) : results.data.hits.length === 0 ? (
        <Text>No answers match “{q}”. Try other words.</Text>
      ) : (
        <Stack gap="sm" aria-live="polite">
          <Text size="sm" c="dimmed">
            {results.data.hits.length} answer(s) for “{results.data.query}”
          </Text>
          {results.data.hits.map(({ entry, highlight }) => (
            <Card key={entry.id} withBorder padding="md" component="article">
              <Stack gap="xs">
                <Anchor component={Link} to={`${base}/entries/${entry.id}`} fw={600} size="lg">
                  {entry.title}
                </Anchor>
                <Text size="sm">{highlight ? <Snippet html={highlight} /> : entry.content.slice(0, 240)}</Text>
                <VoteButtons
                  tenant={tenant}
                  entryId={entry.id}
                  helpful={entry.helpful_count}
                  notHelpful={entry.not_helpful_count}
                  title={entry.title}
                />
              </Stack>
            </Card>
          ))}
        </Stack>
      )}
    </Stack>
  );
}
