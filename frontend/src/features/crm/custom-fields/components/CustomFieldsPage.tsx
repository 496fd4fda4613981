import { Badge, Button, Group, Modal, Select, Stack, Table, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import type { Schemas } from "../../../../api/client";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { applyServerErrors } from "../../../../components/serverErrors";
import { useCustomFieldsQuery } from "../../customers/api/custom-fields-query";
import { useCustomFieldCreateMutation, useCustomFieldDeleteMutation } from "../api/custom-field-mutations";

const TYPES: { value: Schemas["CustomFieldType"]; label: string }[] = [
  { value: "text", label: "Text" },
  { value: "number", label: "Number" },
  { value: "date", label: "Date" },
  { value: "boolean", label: "Yes / no" },
  { value: "select", label: "One of a list" },
  { value: "multi_select", label: "Several of a list" },
];
const FIELDS = ["key", "label", "type", "options"] as const;

interface FormValues {
  key: string;
  label: string;
  type: Schemas["CustomFieldType"];
  options: string;
}

function CustomFieldForm({ onDone }: { onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<FormValues>({
    initialValues: { key: "", label: "", type: "text", options: "" },
    validate: { label: (value) => (value.trim() ? null : "A label is required") },
  });
  const create = useCustomFieldCreateMutation((error) => setFormErrors(applyServerErrors(form, error, FIELDS)));
  const listed = form.values.type === "select" || form.values.type === "multi_select";
  return (
    <form
      noValidate
      onSubmit={form.onSubmit(({ options, ...values }) => {
        setFormErrors([]);
        const choices = listed ? options.split(",").map((option) => option.trim()).filter(Boolean) : [];
        create.mutate(
          { ...values, options: choices },
          {
            onSuccess: () => {
              notifications.show({ color: "green", message: `Field ${values.label} added.` });
              onDone();
            },
          },
        );
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <TextInput label="Label" required {...form.getInputProps("label")} />
        <TextInput
          label="Key"
          description="Lower-case letters, digits and _; used in filters and import columns (custom.<key>)"
          required
          {...form.getInputProps("key")}
        />
        <Select label="Type" data={TYPES} allowDeselect={false} {...form.getInputProps("type")} />
        {listed && (
          <TextInput label="Options" description="Separated by commas" required {...form.getInputProps("options")} />
        )}
        <Button type="submit" loading={create.isPending}>
          Add field
        </Button>
      </Stack>
    </form>
  );
}

/** The tenant's custom customer fields (admins): what the profile form, the list filters and the import offer. */
export function CustomFieldsPage() {
  const [creating, setCreating] = useState(false);
  const fields = useCustomFieldsQuery();
  const remove = useCustomFieldDeleteMutation();
  return (
    <>
      <PageHeader title="Custom fields">
        <Button onClick={() => setCreating(true)}>New field</Button>
      </PageHeader>
      {remove.isError && <ErrorAlert error={remove.error} />}
      {fields.isPending ? (
        <PageLoader label="Loading custom fields" />
      ) : fields.isError ? (
        <ErrorAlert error={fields.error} onRetry={() => void fields.refetch()} />
      ) : fields.data.length === 0 ? (
        <Text c="dimmed">No custom fields yet: add one to record what your customers have in common.</Text>
      ) : (
        <ScrollRegion label="Custom fields" minWidth={560}>
          <Table striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Label</Table.Th>
                <Table.Th>Key</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>Options</Table.Th>
                <Table.Th>
                  <span className="visually-hidden">Actions</span>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {fields.data.map((field) => (
                <Table.Tr key={field.id}>
                  <Table.Td>{field.label}</Table.Td>
                  <Table.Td>
                    <code>{field.key}</code>
                  </Table.Td>
                  <Table.Td>
                    <Badge variant="light">{TYPES.find((type) => type.value === field.type)?.label ?? field.type}</Badge>
                  </Table.Td>
                  <Table.Td>{field.options.join(", ")}</Table.Td>
                  <Table.Td>
                    <Group justify="flex-end">
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        aria-label={`Delete ${field.label}`}
                        loading={remove.isPending && remove.variables === field.id}
                        onClick={() => {
                          if (window.confirm(`Delete ${field.label}? Every customer's value for it is removed too.`))
                            remove.mutate(field.id);
                        }}
                      >
                        Delete
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollRegion>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New custom field">
        {creating && <CustomFieldForm onDone={() => setCreating(false)} />}
      </Modal>
    </>
  );
}
