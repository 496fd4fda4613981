import { Anchor, Badge, Button, Checkbox, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { FormErrors } from "../../../../components/FormErrors";
import { applyFormErrors } from "../../../../components/formErrors";
import { QueryStates } from "../../../../components/QueryStates";
import { useContactDeleteMutation, useContactSaveMutation, type ContactCreate } from "../api/contact-mutations";
import { useContactsQuery, type Contact } from "../api/contacts-query";
import { useCrmPermissions } from "../permissions";

interface Values {
  name: string;
  email: string;
  phone: string;
  role: string;
  is_primary: boolean;
}
const FIELDS = ["name", "email", "phone", "role", "is_primary"];

function toBody(values: Values): ContactCreate {
  return {
    name: values.name,
    email: values.email.trim() || null,
    phone: values.phone.trim() || null,
    role: values.role.trim() || null,
    is_primary: values.is_primary,
  };
}

function ContactForm({ customerId, contact, onDone }: { customerId: string; contact: Contact | null; onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: {
      name: contact?.name ?? "",
      email: contact?.email ?? "",
      phone: contact?.phone ?? "",
      role: contact?.role ?? "",
      is_primary: contact?.is_primary ?? false,
    },
    validate: { name: (value) => (value.trim() ? null : "A name is required") },
  });
  const save = useContactSaveMutation(customerId, contact?.id, {
    onSuccess: () => {
      notifications.show({ color: "green", message: contact ? "Contact saved." : "Contact added." });
      onDone();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, FIELDS)),
  });
  return (
    <form
      noValidate
      aria-label={contact ? "Edit contact" : "New contact"}
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate(toBody(values));
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
        <TextInput label="Role" placeholder="e.g. Owner, Manager" {...form.getInputProps("role")} />
        <TextInput label="Email" type="email" {...form.getInputProps("email")} />
        <TextInput label="Phone" type="tel" {...form.getInputProps("phone")} />
        <Checkbox label="Primary contact" {...form.getInputProps("is_primary", { type: "checkbox" })} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {contact ? "Save contact" : "Add contact"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function ContactCard({ customerId, contact, onEdit }: { customerId: string; contact: Contact; onEdit: () => void }) {
  const { canWrite } = useCrmPermissions();
  const remove = useContactDeleteMutation(customerId);
  return (
    <Paper withBorder radius="md" p="md" component="article" aria-label={contact.name}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Text fw={600}>{contact.name}</Text>
            {contact.is_primary && (
              <Badge size="sm" variant="light">
                primary
              </Badge>
            )}
          </Group>
          {contact.role && (
            <Text size="sm" c="dimmed">
              {contact.role}
            </Text>
          )}
          {contact.email && (
            <Anchor size="sm" href={`mailto:${contact.email}`} style={{ overflowWrap: "anywhere" }}>
              {contact.email}
            </Anchor>
          )}
          {contact.phone && (
            <Anchor size="sm" href={`tel:${contact.phone}`}>
              {contact.phone}
            </Anchor>
          )}
        </Stack>
        {canWrite && (
          <Group gap={4} wrap="nowrap">
            <Button size="compact-sm" variant="subtle" onClick={onEdit} aria-label={`Edit ${contact.name}`}>
              Edit
            </Button>
            <Button
              size="compact-sm"
              variant="subtle"
              color="red"
              loading={remove.isPending}
              aria-label={`Delete ${contact.name}`}
              onClick={() => {
                if (window.confirm(`Delete the contact ${contact.name}?`)) remove.mutate(contact.id);
              }}
            >
              Delete
            </Button>
          </Group>
        )}
      </Group>
    </Paper>
  );
}

export function ContactsTab({ customerId }: { customerId: string }) {
  const { canWrite } = useCrmPermissions();
  const contacts = useContactsQuery(customerId);
  // null: closed; "new": the add form; otherwise the contact being edited.
  const [editing, setEditing] = useState<Contact | "new" | null>(null);
  return (
    <Stack gap="md">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Contacts
        </Title>
        {canWrite && (
          <Button size="xs" onClick={() => setEditing("new")}>
            Add contact
          </Button>
        )}
      </Group>
      <QueryStates
        query={contacts}
        loading="Loading contacts"
        isEmpty={(rows) => rows.length === 0}
        empty="No contacts yet: add the people you talk to at this business."
      >
        {(data) => (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {data.map((contact) => (
              <ContactCard key={contact.id} customerId={customerId} contact={contact} onEdit={() => setEditing(contact)} />
            ))}
          </SimpleGrid>
        )}
      </QueryStates>
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "New contact" : "Edit contact"}
      >
        {editing !== null && (
          <ContactForm
            customerId={customerId}
            contact={editing === "new" ? null : editing}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
    </Stack>
  );
}
