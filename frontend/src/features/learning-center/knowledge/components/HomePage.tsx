import { Grid, Stack, Text, Title } from "@mantine/core";
import { NotFoundError } from "../../../../api/errors";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageLoader } from "../../../../components/PageLoader";
import { usePublicCategoriesQuery } from "../api/public-categories-query";
import { usePublicEntriesQuery } from "../api/public-entries-query";
import { useLearningTenant } from "../api/tenant";
import { CategoryTree } from "./CategoryTree";
import { EntryList } from "./EntryList";
import { SearchBox } from "./SearchBox";
import { WorkspacePicker } from "./WorkspacePicker";

export function HomePage() {
  const { tenant, base, bySlug } = useLearningTenant();
  const categories = usePublicCategoriesQuery(tenant);
  const popular = usePublicEntriesQuery(tenant, { sort: "-helpful_count", per_page: 6 });

  if (!bySlug && categories.error instanceof NotFoundError) return <WorkspacePicker />;
  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>How can we help?</Title>
        <Text c="dimmed">Answers to common questions, searchable in your own words.</Text>
      </div>
      <SearchBox />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, sm: 4 }}>
          <Title order={2} size="h3" mb="sm">
            Topics
          </Title>
          {categories.isPending ? (
            <PageLoader label="Loading topics" />
          ) : categories.isError ? (
            <ErrorAlert error={categories.error} onRetry={() => void categories.refetch()} />
          ) : categories.data.length === 0 ? (
            <Text c="dimmed">No topics yet.</Text>
          ) : (
            <CategoryTree nodes={categories.data} base={base} />
          )}
        </Grid.Col>
        <Grid.Col span={{ base: 12, sm: 8 }}>
          <Title order={2} size="h3" mb="sm">
            Popular answers
          </Title>
          {popular.isPending ? (
            <PageLoader label="Loading popular answers" />
          ) : popular.isError ? (
            <ErrorAlert error={popular.error} onRetry={() => void popular.refetch()} />
          ) : (
            <EntryList entries={popular.data.items} base={base} />
          )}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
