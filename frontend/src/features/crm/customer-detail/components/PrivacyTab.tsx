import { Alert, Button, Group, Modal, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useNavigate } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import type { Customer } from "../api/customer-query";
import { useEraseCustomerMutation, usePrivacyExportMutation } from "../api/privacy-mutations";

/** Hand the export to the browser as a file download. */
function download(filename: string, data: unknown) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

function EraseDialog({ customer, opened, onClose }: { customer: Customer; opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [typed, setTyped] = useState("");
  const erase = useEraseCustomerMutation({
    onSuccess: () => {
      notifications.show({ color: "green", message: `${customer.name} and their personal data were deleted.` });
      void navigate("/crm/customers", { replace: true });
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Delete this customer?">
      <Stack>
        <Text size="sm">
          This erases {customer.name}, their contacts, consent, conversations, messages, FAQs and timeline. Their
          pending questions stay in the inbox, unlinked. It cannot be undone.
        </Text>
        {erase.isError && <ErrorAlert error={erase.error} />}
        <TextInput
          label={`Type the customer's name (${customer.name}) to confirm`}
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
          data-autofocus
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            color="red"
            disabled={typed.trim() !== customer.name}
            loading={erase.isPending}
            onClick={() => erase.mutate(customer.id)}
          >
            Delete customer
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** Admins only: everything about the customer as JSON, and erasure. Both are audited by the API. */
export function PrivacyTab({ customer }: { customer: Customer }) {
  const [confirming, setConfirming] = useState(false);
  const exported = usePrivacyExportMutation({
    onSuccess: (data) => download(`customer-${customer.slug}.json`, data),
  });
  return (
    <Stack gap="md">
      <Paper withBorder radius="md" p="md">
        <Title order={2} size="h4" mb={4}>
          Export
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Everything stored about this customer (profile, contacts, consent, conversations, messages, FAQs, questions,
          timeline) as one JSON file, e.g. for a data-access request. The export is recorded.
        </Text>
        {exported.isError && <ErrorAlert error={exported.error} />}
        <Button variant="light" loading={exported.isPending} onClick={() => exported.mutate(customer.id)}>
          Download JSON export
        </Button>
      </Paper>
      <Alert color="red" variant="outline" title="Delete customer" role="region" aria-label="Delete customer">
        <Stack gap="sm">
          <Text size="sm">Erase this customer and all their personal data. This is recorded and cannot be undone.</Text>
          <Group>
            <Button color="red" onClick={() => setConfirming(true)}>
              Delete customer…
            </Button>
          </Group>
        </Stack>
      </Alert>
      <EraseDialog customer={customer} opened={confirming} onClose={() => setConfirming(false)} />
    </Stack>
  );
}
