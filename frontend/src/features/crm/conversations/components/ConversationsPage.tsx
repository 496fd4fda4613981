import { Anchor, Badge, Box, Checkbox, Group, Paper, Select, Stack, Table, Text, Title } from "@mantine/core";
import { Link } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { formatDateTime } from "../../../../components/format";
import { definedOnly, useListState } from "../../../../components/urlState";
import { CONVERSATION_CHANNELS } from "../../customer-detail/options";
import { channelLabel } from "../../customer-detail/timeline";
import { useAllConversationsQuery, type ConversationListItem, type ConversationsParams } from "../api/conversations-query";

const PAGE_SIZE = 25;
const STATUS_OPTIONS = [
  { value: "open", label: "Open" },
  { value: "closed", label: "Closed" },
];
const CHANNEL_OPTIONS = CONVERSATION_CHANNELS.map((channel) => ({ value: channel, label: channelLabel(channel) }));

/** Where a conversation opens: its customer's Conversations tab, with the conversation's drawer open. */
function conversationPath(c: ConversationListItem): string {
  return `/crm/customers/${c.customer_id}?tab=conversations&conversation=${c.id}`;
}

function ConversationTable({ conversations }: { conversations: ConversationListItem[] }) {
  return (
    <ScrollRegion label="Conversations" minWidth={760}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            {["Conversation", "Customer", "Channel", "Status", "Started", "Follow-up"].map((column) => (
              <Table.Th key={column}>{column}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {conversations.map((c) => (
            <Table.Tr key={c.id}>
              <Table.Td>
                <Anchor component={Link} to={conversationPath(c)} fw={600} style={{ overflowWrap: "anywhere" }}>
                  {c.subject ?? "No subject"}
                </Anchor>
                {c.outcome && (
                  <Text size="xs" c="dimmed">
                    {c.outcome}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{c.customer_name}</Table.Td>
              <Table.Td>{channelLabel(c.channel)}</Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={c.status === "open" ? "green" : "gray"}>
                  {c.status}
                </Badge>
              </Table.Td>
              <Table.Td>{formatDateTime(c.started_at)}</Table.Td>
              <Table.Td>{c.follow_up_at ? formatDateTime(c.follow_up_at) : <Text c="dimmed">—</Text>}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

/** Conversations across customers, filtered by status, channel and "follow-up due"; the filters live in the URL. */
export function ConversationsPage() {
  const { page, filters, setFilter, setPage } = useListState(["status", "channel", "due"] as const);
  const due = filters.due === "true";
  const params = {
    ...definedOnly({ status: filters.status, channel: filters.channel }),
    ...(due ? { follow_up_due: true } : {}),
    page,
    per_page: PAGE_SIZE,
  } as ConversationsParams;
  const conversations = useAllConversationsQuery(params);
  const filtered = Boolean(filters.status || filters.channel || due);

  return (
    <>
      <PageHeader title="Conversations" />
      <Text c="dimmed" size="sm" mb="md" maw={720}>
        Every customer&apos;s conversations, newest first. &ldquo;Follow-up due&rdquo; shows the open ones whose
        follow-up time has passed, most overdue first.
      </Text>
      <Group gap="sm" mb="md" align="flex-end" wrap="wrap">
        <Select
          label="Status"
          placeholder="Any status"
          data={STATUS_OPTIONS}
          value={filters.status || null}
          onChange={(value) => setFilter("status", value)}
          clearable
          w={{ base: "100%", xs: 180 }}
        />
        <Select
          label="Channel"
          placeholder="Any channel"
          data={CHANNEL_OPTIONS}
          value={filters.channel || null}
          onChange={(value) => setFilter("channel", value)}
          clearable
          w={{ base: "100%", xs: 180 }}
        />
        <Checkbox
          label="Follow-up due"
          checked={due}
          onChange={(event) => setFilter("due", event.currentTarget.checked ? "true" : null)}
          mb={8}
        />
      </Group>
      {conversations.isPending ? (
        <PageLoader label="Loading conversations" />
      ) : conversations.isError ? (
        <ErrorAlert error={conversations.error} onRetry={() => void conversations.refetch()} />
      ) : conversations.data.items.length === 0 ? (
        <Paper withBorder radius="md" py={48} px="md">
          <Stack align="center" gap="xs" ta="center">
            <Title order={2} size="h4">
              {filtered ? "No conversations match" : "No conversations yet"}
            </Title>
            <Text size="sm" c="dimmed" maw={420}>
              {filtered
                ? "Nothing matches these filters."
                : "Conversations are started from a customer's page, or recorded by the assistant."}
            </Text>
          </Stack>
        </Paper>
      ) : (
        <Box style={{ opacity: conversations.isPlaceholderData ? 0.6 : 1, transition: "opacity 120ms" }}>
          <ConversationTable conversations={conversations.data.items} />
          <ListPagination meta={conversations.data.pagination} onChange={setPage} />
        </Box>
      )}
    </>
  );
}
