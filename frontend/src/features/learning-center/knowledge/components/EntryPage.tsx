import { Anchor, Badge, Breadcrumbs, Group, Stack, Text, Title, Typography } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { usePublicEntryQuery } from "../api/public-entry-query";
import { useLearningTenant } from "../api/tenant";
import { VoteButtons } from "./VoteButtons";

export function EntryPage() {
  const { tenant, base } = useLearningTenant();
  const { entryId = "" } = useParams();
  const entry = usePublicEntryQuery(tenant, entryId);

  if (entry.isPending) return <PageLoader label="Loading the answer" />;
  if (entry.isError) return <ErrorAlert error={entry.error} onRetry={() => void entry.refetch()} />;
  const { data } = entry;
  return (
    <Stack gap="md" component="article">
      <Breadcrumbs>
        <Anchor component={Link} to={base || "/"}>
          Learning Center
        </Anchor>
        {data.category && <Text size="sm">{data.category}</Text>}
      </Breadcrumbs>
      <Title order={1}>{data.title}</Title>
      <Typography>
        {data.content.split(/\n{2,}/).map((paragraph, index) => (
          <p key={index} className="entry-paragraph">
            {paragraph}
          </p>
        ))}
      </Typography>
      {data.tags.length > 0 && (
        <Group gap="xs">
          {data.tags.map((tag) => (
            <Badge key={tag} variant="outline">
              {tag}
            </Badge>
          ))}
        </Group>
      )}
      <Text size="xs" c="dimmed">
        Updated {formatDateTime(data.updated_at)}
      </Text>
      <VoteButtons
        tenant={tenant}
        entryId={data.id}
        helpful={data.helpful_count}
        notHelpful={data.not_helpful_count}
        title={data.title}
      />
    </Stack>
  );
}
