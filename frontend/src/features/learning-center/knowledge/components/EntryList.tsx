import { Anchor, Card, Group, Stack, Text } from "@mantine/core";
import { Link } from "react-router";
import type { PublicEntry } from "../api/public-entries-query";

export function EntryList({ entries, base }: { entries: PublicEntry[]; base: string }) {
  if (entries.length === 0) return <Text c="dimmed">Nothing here yet.</Text>;
  return (
    <Stack gap="sm">
      {entries.map((entry) => (
        <Card key={entry.id} withBorder padding="sm" component="article">
          <Anchor component={Link} to={`${base}/entries/${entry.id}`} fw={600}>
            {entry.title}
          </Anchor>
          <Text size="sm" c="dimmed" lineClamp={2}>
            {entry.content}
          </Text>
          <Group gap="xs" mt={4}>
            <Text size="xs" c="dimmed">
              {entry.helpful_count} found this helpful
            </Text>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
