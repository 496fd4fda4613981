import { Anchor, Badge, Card, Code, Group, Stack, Table, Text } from "@mantine/core";
import { Link, useParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { useMessageQuery } from "../api/messages-query";

export function MessagePage() {
  const { messageId = "" } = useParams();
  const message = useMessageQuery(messageId);
  if (message.isPending) return <PageLoader label="Loading the message" />;
  if (message.isError) return <ErrorAlert error={message.error} onRetry={() => void message.refetch()} />;
  const m = message.data;
  const rows: [string, string | number | null][] = [
    ["To", m.to_address],
    ["From", m.from_address],
    ["Reply to", m.reply_to],
    ["Provider", m.provider],
    ["Provider id", m.provider_id],
    ["Attempts", m.attempts],
    ["Created", formatDateTime(m.created_at)],
    ["Sent", formatDateTime(m.sent_at)],
    ["Delivered", formatDateTime(m.delivered_at)],
    ["Failed", formatDateTime(m.failed_at)],
  ];
  return (
    <>
      <PageHeader title={m.subject ?? `${m.channel} to ${m.to_address}`}>
        <Anchor component={Link} to="/command-center/outbox">
          Back to the outbox
        </Anchor>
      </PageHeader>
      <Stack maw={860}>
        <Group>
          <Badge>{m.channel}</Badge>
          <Badge variant="light" color={m.error ? "red" : "blue"}>
            {m.status}
          </Badge>
        </Group>
        {m.error && (
          <Text c="red" role="alert">
            {m.error}
          </Text>
        )}
        <Table variant="vertical" withTableBorder>
          <Table.Tbody>
            {rows.map(([label, value]) => (
              <Table.Tr key={label}>
                <Table.Th w={160}>{label}</Table.Th>
                <Table.Td>{value ?? "—"}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {(m.body_text ?? m.script) && (
          <Card withBorder>
            <Text fw={600} mb="xs">
              {m.script ? "Script" : "Text"}
            </Text>
            <Code block>{m.body_text ?? m.script}</Code>
          </Card>
        )}
        {m.body_html && (
          <Card withBorder>
            <Text fw={600} mb="xs">
              HTML (source)
            </Text>
            <Code block>{m.body_html}</Code>
          </Card>
        )}
      </Stack>
    </>
  );
}
