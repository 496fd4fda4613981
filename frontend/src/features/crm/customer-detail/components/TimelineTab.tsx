import { Button, Group, Paper, Select, Stack, Text, Textarea, Timeline, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { FormErrors } from "../../../../components/FormErrors";
import { ListPagination } from "../../../../components/ListPagination";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import { QueryStates } from "../../../../components/QueryStates";
import { useNoteMutation } from "../api/note-mutation";
import { useTimelineQuery, type CustomerEvent } from "../api/timeline-query";
import { useCrmPermissions } from "../permissions";
import { describeEvent, EVENT_FILTERS } from "../timeline";

const PER_PAGE = 20;

function NoteComposer({ customerId }: { customerId: string }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm({
    initialValues: { body: "" },
    validate: { body: (value) => (value.trim() ? null : "Write the note first") },
  });
  const add = useNoteMutation(customerId, {
    onSuccess: () => form.reset(),
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["body"])),
  });
  return (
    <form
      aria-label="Add a note"
      noValidate
      onSubmit={form.onSubmit(({ body }) => {
        setFormErrors([]);
        add.mutate(body);
      })}
    >
      <Stack gap="xs">
        <FormErrors messages={formErrors} />
        <Textarea label="Note" placeholder="What happened, what was agreed…" autosize minRows={2} maxRows={8} maxLength={10000} {...form.getInputProps("body")} />
        <Group>
          <Button type="submit" size="xs" loading={add.isPending}>
            Add note
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EventItem({ event, userId }: { event: CustomerEvent; userId: string }) {
  const described = describeEvent(event, userId);
  return (
    <div data-testid="timeline-event">
      <Text size="sm" fw={600}>
        {described.title}
      </Text>
      {described.detail && (
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {described.detail}
        </Text>
      )}
      <Text size="xs" c="dimmed">
        {formatDateTime(event.occurred_at)}
        {described.by ? ` · by ${described.by}` : ""}
        {event.source !== "crm" ? ` · ${event.source}` : ""}
      </Text>
    </div>
  );
}

/** Everything that happened to the customer, newest first, with a note composer and a kind filter. */
export function TimelineTab({ customerId }: { customerId: string }) {
  const { canWrite, userId } = useCrmPermissions();
  const [page, setPage] = useState(1);
  const [kind, setKind] = useState<string | null>(null);
  const types = EVENT_FILTERS.find((f) => f.value === kind)?.types;
  const timeline = useTimelineQuery(customerId, { page, per_page: PER_PAGE, ...(types ? { type: types } : {}) });

  return (
    <Stack gap="md">
      {canWrite && (
        <Paper withBorder radius="md" p="md">
          <NoteComposer customerId={customerId} />
        </Paper>
      )}
      <Group justify="space-between" align="center">
        <Title order={2} size="h4">
          Timeline
        </Title>
        <Select
          aria-label="Show events of this kind"
          data={EVENT_FILTERS.map(({ value, label }) => ({ value, label }))}
          placeholder="All events"
          clearable
          value={kind}
          onChange={(value) => {
            setKind(value);
            setPage(1);
          }}
          w={180}
        />
      </Group>
      <QueryStates
        query={timeline}
        loading="Loading the timeline"
        isEmpty={(page) => page.items.length === 0}
        empty="Nothing here yet."
      >
        {(data) => (
          <>
            <Timeline bulletSize={14} lineWidth={2} aria-label="Timeline events">
              {data.items.map((event) => (
                <Timeline.Item key={event.id} color={describeEvent(event, userId).color}>
                  <EventItem event={event} userId={userId} />
                </Timeline.Item>
              ))}
            </Timeline>
            <ListPagination meta={data.pagination} onChange={setPage} />
          </>
        )}
      </QueryStates>
    </Stack>
  );
}
