import {
  Badge,
  Button,
  Drawer,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Textarea,
  Title,
  UnstyledButton,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { ListPagination } from "../../../../components/ListPagination";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import { QueryStates } from "../../../../components/QueryStates";
import {
  useAddMessageMutation,
  useEndConversationMutation,
  useStartConversationMutation,
  type MessageCreate,
} from "../api/conversation-mutations";
import { useConversationQuery } from "../api/conversation-query";
import { useConversationsQuery, type Conversation } from "../api/conversations-query";
import { useMessagesQuery } from "../api/messages-query";
import { CONVERSATION_CHANNELS, MESSAGE_ROLES } from "../options";
import { useCrmPermissions } from "../permissions";
import { channelLabel, formatDuration } from "../timeline";

const ROLE_COLOR: Record<string, string> = { customer: "blue", agent: "teal", ai: "grape", system: "gray" };

function StatusBadge({ status }: { status: Conversation["status"] }) {
  return (
    <Badge size="sm" variant="light" color={status === "open" ? "green" : "gray"}>
      {status}
    </Badge>
  );
}

function StartForm({ customerId, onStarted }: { customerId: string; onStarted: (c: Conversation) => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<{ channel: Conversation["channel"]; subject: string }>({
    initialValues: { channel: "phone", subject: "" },
  });
  const start = useStartConversationMutation(customerId, {
    onSuccess: onStarted,
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["channel", "subject"])),
  });
  return (
    <form
      noValidate
      aria-label="Start a conversation"
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        start.mutate({ channel: values.channel, subject: values.subject.trim() || null });
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <Select
          label="Channel"
          data={CONVERSATION_CHANNELS.map((c) => ({ value: c, label: channelLabel(c) }))}
          allowDeselect={false}
          {...form.getInputProps("channel")}
        />
        <TextInput label="Subject" maxLength={500} data-autofocus {...form.getInputProps("subject")} />
        <Group justify="flex-end">
          <Button type="submit" loading={start.isPending}>
            Start conversation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function MessageForm({ customerId, conversationId }: { customerId: string; conversationId: string }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<{ role: MessageCreate["role"]; content: string }>({
    initialValues: { role: "agent", content: "" },
    validate: { content: (value) => (value.trim() ? null : "Write the message first") },
  });
  const add = useAddMessageMutation(customerId, conversationId, {
    onSuccess: () => form.setFieldValue("content", ""),
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["role", "content"])),
  });
  return (
    <form
      noValidate
      aria-label="Add a message"
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        add.mutate(values);
      })}
    >
      <Stack gap="xs">
        <FormErrors messages={formErrors} />
        <Group align="flex-end" wrap="wrap" gap="xs">
          <Select label="From" data={MESSAGE_ROLES} allowDeselect={false} w={120} {...form.getInputProps("role")} />
          <Textarea label="Message" autosize minRows={1} maxRows={6} style={{ flex: 1, minWidth: 180 }} {...form.getInputProps("content")} />
        </Group>
        <Group>
          <Button type="submit" size="xs" loading={add.isPending}>
            Add message
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EndForm({ customerId, conversationId }: { customerId: string; conversationId: string }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm({ initialValues: { outcome: "", summary: "" } });
  const end = useEndConversationMutation(customerId, conversationId, {
    onSuccess: () => notifications.show({ color: "green", message: "Conversation ended." }),
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["outcome", "summary"])),
  });
  return (
    <form
      noValidate
      aria-label="End the conversation"
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        end.mutate({ outcome: values.outcome.trim() || null, summary: values.summary.trim() || null });
      })}
    >
      <Stack gap="xs">
        <FormErrors messages={formErrors} />
        <TextInput label="Outcome" placeholder="e.g. resolved, booked, callback" maxLength={100} {...form.getInputProps("outcome")} />
        <Textarea label="Summary" autosize minRows={2} maxRows={6} {...form.getInputProps("summary")} />
        <Group>
          <Button type="submit" size="xs" color="gray" loading={end.isPending}>
            End conversation
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ConversationDetail({ customerId, conversationId }: { customerId: string; conversationId: string }) {
  const { canWrite } = useCrmPermissions();
  const conversation = useConversationQuery(customerId, conversationId);
  const messages = useMessagesQuery(customerId, conversationId);
  if (conversation.isPending) return <PageLoader label="Loading the conversation" />;
  if (conversation.isError) return <ErrorAlert error={conversation.error} onRetry={() => void conversation.refetch()} />;
  const c = conversation.data;
  return (
    <Stack gap="md">
      <Group gap="xs">
        <Badge variant="outline">{channelLabel(c.channel)}</Badge>
        <StatusBadge status={c.status} />
        <Text size="sm" c="dimmed">
          started {formatDateTime(c.started_at)}
        </Text>
      </Group>
      {c.status === "closed" && (
        <Paper withBorder p="sm" radius="md" bg="var(--mantine-color-gray-light)">
          <Text size="sm">
            Ended {formatDateTime(c.ended_at)}
            {c.duration_seconds !== null ? ` after ${formatDuration(c.duration_seconds)}` : ""}
            {c.outcome ? ` · outcome: ${c.outcome}` : ""}
          </Text>
          {c.summary && (
            <Text size="sm" mt={4} style={{ whiteSpace: "pre-wrap" }}>
              {c.summary}
            </Text>
          )}
        </Paper>
      )}
      <Title order={3} size="h5">
        Messages
      </Title>
      <QueryStates
        query={messages}
        loading="Loading messages"
        isEmpty={(page) => page.items.length === 0}
        empty="No messages yet."
      >
        {(data) => (
          <Stack gap="xs" component="ol" style={{ listStyle: "none", padding: 0, margin: 0 }} aria-label="Messages">
            {data.items.map((m) => (
              <Paper key={m.id} component="li" withBorder radius="md" p="xs" data-testid="message">
                <Group gap="xs" mb={2}>
                  <Badge size="xs" color={ROLE_COLOR[m.role] ?? "gray"} variant="light">
                    {m.role}
                  </Badge>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(m.sent_at)}
                  </Text>
                </Group>
                <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
                  {m.content}
                </Text>
              </Paper>
            ))}
          </Stack>
        )}
      </QueryStates>
      {canWrite && c.status === "open" && (
        <>
          <MessageForm customerId={customerId} conversationId={c.id} />
          <Title order={3} size="h5">
            End it
          </Title>
          <EndForm customerId={customerId} conversationId={c.id} />
        </>
      )}
    </Stack>
  );
}

export function ConversationsTab({ customerId }: { customerId: string }) {
  const { canWrite } = useCrmPermissions();
  const [page, setPage] = useState(1);
  const [starting, setStarting] = useState(false);
  const [params, setParams] = useSearchParams();
  const openId = params.get("conversation");
  const open = (id: string | null) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (id) next.set("conversation", id);
      else next.delete("conversation");
      return next;
    });
  const conversations = useConversationsQuery(customerId, page);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Conversations
        </Title>
        {canWrite && (
          <Button size="xs" onClick={() => setStarting(true)}>
            Start conversation
          </Button>
        )}
      </Group>
      <QueryStates
        query={conversations}
        loading="Loading conversations"
        isEmpty={(page) => page.items.length === 0}
        empty="No conversations yet."
      >
        {(data) => (
          <>
            <Stack gap="xs">
              {data.items.map((c) => (
                <UnstyledButton
                  key={c.id}
                  onClick={() => open(c.id)}
                  aria-label={`Open the ${channelLabel(c.channel)} conversation${c.subject ? ` “${c.subject}”` : ""} of ${formatDateTime(c.started_at)}`}
                  style={{ display: "block", width: "100%", borderRadius: "var(--mantine-radius-md)" }}
                >
                  <Paper withBorder radius="md" p="sm">
                    <Group justify="space-between" wrap="wrap" gap="xs">
                      <Group gap="xs" style={{ minWidth: 0 }}>
                        <Badge variant="outline" size="sm">
                          {channelLabel(c.channel)}
                        </Badge>
                        <StatusBadge status={c.status} />
                        <Text size="sm" fw={500} style={{ overflowWrap: "anywhere" }}>
                          {c.subject ?? "No subject"}
                        </Text>
                      </Group>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(c.started_at)}
                        {c.outcome ? ` · ${c.outcome}` : ""}
                      </Text>
                    </Group>
                  </Paper>
                </UnstyledButton>
              ))}
            </Stack>
            <ListPagination meta={data.pagination} onChange={setPage} />
          </>
        )}
      </QueryStates>
      <Modal opened={starting} onClose={() => setStarting(false)} title="Start a conversation">
        {starting && (
          <StartForm
            customerId={customerId}
            onStarted={(c) => {
              setStarting(false);
              open(c.id);
            }}
          />
        )}
      </Modal>
      <Drawer opened={openId !== null} onClose={() => open(null)} position="right" size="lg" title="Conversation">
        {openId && <ConversationDetail customerId={customerId} conversationId={openId} />}
      </Drawer>
    </Stack>
  );
}
