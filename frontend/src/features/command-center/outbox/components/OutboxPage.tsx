import { Anchor, Badge, Group, Select, Table, TextInput } from "@mantine/core";
import { Link } from "react-router";
import type { Schemas } from "../../../../api/client";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { definedOnly, useListState } from "../../../../components/urlState";
import { useMessagesQuery, type MessagesParams } from "../api/messages-query";

const CHANNELS: Schemas["Channel"][] = ["email", "sms", "call"];
const STATUSES: Schemas["MessageStatus"][] = [
  "queued",
  "sending",
  "sent",
  "delivered",
  "failed",
  "bounced",
  "complained",
  "undelivered",
  "suppressed",
];

export function OutboxPage() {
  const { page, filters, setFilter, setPage } = useListState(["channel", "status", "to"] as const);
  const messages = useMessagesQuery(definedOnly({ ...filters, page, per_page: 20 }) as MessagesParams);

  return (
    <>
      <PageHeader title="Outbox" />
      <Group mb="md" align="flex-end" gap="sm">
        <Select
          label="Channel"
          data={CHANNELS}
          value={filters.channel || null}
          onChange={(value) => setFilter("channel", value)}
          clearable
          w={140}
        />
        <Select
          label="Status"
          data={STATUSES}
          value={filters.status || null}
          onChange={(value) => setFilter("status", value)}
          clearable
          w={160}
        />
        <TextInput label="To" value={filters.to} onChange={(e) => setFilter("to", e.currentTarget.value)} w={220} />
      </Group>
      {messages.isPending ? (
        <PageLoader label="Loading messages" />
      ) : messages.isError ? (
        <ErrorAlert error={messages.error} onRetry={() => void messages.refetch()} />
      ) : (
        <>
          <ScrollRegion label="Messages" minWidth={640}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>To</Table.Th>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th>Subject / text</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Created</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {messages.data.items.map((message) => (
                  <Table.Tr key={message.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/command-center/outbox/${message.id}`}>
                        {message.to_address}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{message.channel}</Table.Td>
                    <Table.Td>{message.subject ?? message.body_text?.slice(0, 60) ?? message.script?.slice(0, 60)}</Table.Td>
                    <Table.Td>
                      <Badge variant="light" color={message.error ? "red" : "blue"}>
                        {message.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{formatDateTime(message.created_at)}</Table.Td>
                  </Table.Tr>
                ))}
                {messages.data.items.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>No messages match.</Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
          <ListPagination meta={messages.data.pagination} onChange={setPage} />
        </>
      )}
    </>
  );
}
