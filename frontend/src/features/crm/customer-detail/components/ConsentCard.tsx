import { Badge, Button, Group, List, Paper, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { QueryStates } from "../../../../components/QueryStates";
import { FormErrors } from "../../../../components/FormErrors";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import { useConsentMutation, type ConsentChange } from "../api/consent-mutation";
import { useConsentsQuery, type ConsentState } from "../api/consent-query";
import { useTimelineQuery, type CustomerEvent } from "../api/timeline-query";
import { CONSENT_COLOR, CONSENT_STATUSES } from "../options";
import { useCrmPermissions } from "../permissions";
import { channelLabel, consentHistory } from "../timeline";

const HISTORY = { page: 1, per_page: 100, type: ["crm.consent_changed"] };

function ConsentForm({ customerId, state, onDone }: { customerId: string; state: ConsentState; onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<ConsentChange>({
    initialValues: { status: state.status, source: "" },
    validate: { source: (value) => (value.trim() ? null : "Say where the change came from") },
  });
  const save = useConsentMutation(customerId, {
    onSuccess: () => {
      notifications.show({ color: "green", message: `${channelLabel(state.channel)} consent saved.` });
      onDone();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["status", "source"])),
  });
  const label = channelLabel(state.channel);
  return (
    <form
      aria-label={`Change ${label} consent`}
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate({ channel: state.channel, ...values });
      })}
    >
      <Stack gap="xs">
        <FormErrors messages={formErrors} />
        <Stack gap="xs">
          <Select
            label={`${label} consent`}
            data={CONSENT_STATUSES}
            allowDeselect={false}
            {...form.getInputProps("status")}
          />
          <TextInput
            label="Source"
            placeholder="e.g. phone call"
            required
            {...form.getInputProps("source")}
          />
        </Stack>
        <Group gap="xs">
          <Button type="submit" size="xs" loading={save.isPending}>
            Save consent
          </Button>
          <Button size="xs" variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ChannelRow({
  customerId,
  state,
  events,
}: {
  customerId: string;
  state: ConsentState;
  events: readonly CustomerEvent[];
}) {
  const { canWrite } = useCrmPermissions();
  const [editing, setEditing] = useState(false);
  const history = consentHistory(events, state.channel);
  const label = channelLabel(state.channel);
  return (
    <Stack gap={4} data-testid={`consent-${state.channel}`}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs">
          <Text fw={600} size="sm" w={52}>
            {label}
          </Text>
          <Badge color={CONSENT_COLOR[state.status]} variant="light">
            {state.status}
          </Badge>
        </Group>
        {canWrite && !editing && (
          <Button size="compact-xs" variant="subtle" onClick={() => setEditing(true)} aria-label={`Change ${label} consent`}>
            Change
          </Button>
        )}
      </Group>
      {state.changed_at && (
        <Text size="xs" c="dimmed">
          {state.source ? `via ${state.source}, ` : ""}
          {formatDateTime(state.changed_at)}
        </Text>
      )}
      {editing && <ConsentForm customerId={customerId} state={state} onDone={() => setEditing(false)} />}
      {history.length > 0 && (
        <List size="xs" c="dimmed" aria-label={`${label} consent history`} spacing={2}>
          {history.slice(0, 5).map((item) => (
            <List.Item key={item.id}>
              {formatDateTime(item.at)}: {item.from} → {item.to}
              {item.source ? ` (${item.source})` : ""}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}

/** Consent per channel, its source and time, a change form, and the history of changes from the timeline. */
export function ConsentCard({ customerId }: { customerId: string }) {
  const consents = useConsentsQuery(customerId);
  const history = useTimelineQuery(customerId, HISTORY);
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={2} size="h4" mb="sm">
        Consent
      </Title>
      <QueryStates query={consents} loading="Loading consent">
        {(data) => (
          <Stack gap="md">
            {data.map((state) => (
              <ChannelRow key={state.channel} customerId={customerId} state={state} events={history.data?.items ?? []} />
            ))}
          </Stack>
        )}
      </QueryStates>
    </Paper>
  );
}
