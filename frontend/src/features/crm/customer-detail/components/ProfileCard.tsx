import {
  Button,
  Checkbox,
  Divider,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useMemo, useState } from "react";
import { FormErrors } from "../../../../components/FormErrors";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import type { Customer } from "../api/customer-query";
import { useCustomerUpdateMutation, type CustomerUpdate } from "../api/customer-update-mutation";
import { useCustomFieldsQuery, type CustomFieldDefinition } from "../../customers/api/custom-fields-query";
import { ownerName, useNamedOwners } from "../../customers/api/owners-query";
import { OwnerSelect } from "../../customers/components/OwnerSelect";
import { STAGES, timeZones } from "../options";
import { useCrmPermissions } from "../permissions";
import { formatCustomValue, toApiValue, toFormValue } from "../customFields";
import { CustomFieldInput } from "./CustomFieldInput";

const ADDRESS = [
  ["line1", "Address line 1"],
  ["line2", "Address line 2"],
  ["city", "City"],
  ["region", "Region / state"],
  ["postal_code", "Postal code"],
  ["country", "Country"],
] as const;
type AddressKey = (typeof ADDRESS)[number][0];

interface Values {
  name: string;
  slug: string;
  email: string;
  phone: string;
  website: string;
  industry: string;
  timezone: string | null;
  stage: Customer["stage"];
  owner_id: string | null;
  tags: string[];
  do_not_contact: boolean;
  address: Record<AddressKey, string>;
  custom_fields: Record<string, unknown>;
}

const BASE_FIELDS = [
  "name",
  "slug",
  "email",
  "phone",
  "website",
  "industry",
  "timezone",
  "stage",
  "owner_id",
  "tags",
  "do_not_contact",
  ...ADDRESS.map(([key]) => `address.${key}`),
];

function toValues(customer: Customer, definitions: CustomFieldDefinition[]): Values {
  const address = customer.address ?? {};
  return {
    name: customer.name,
    slug: customer.slug,
    email: customer.email ?? "",
    phone: customer.phone ?? "",
    website: customer.website ?? "",
    industry: customer.industry ?? "",
    timezone: customer.timezone,
    stage: customer.stage,
    owner_id: customer.owner_id,
    tags: customer.tags,
    do_not_contact: customer.do_not_contact,
    address: Object.fromEntries(ADDRESS.map(([key]) => [key, address[key] ?? ""])) as Record<AddressKey, string>,
    custom_fields: Object.fromEntries(definitions.map((d) => [d.key, toFormValue(d, customer.custom_fields[d.key])])),
  };
}

const orNull = (value: string) => value.trim() || null;

function toBody(values: Values, definitions: CustomFieldDefinition[]): CustomerUpdate {
  const address = Object.fromEntries(ADDRESS.map(([key]) => [key, orNull(values.address[key])]));
  return {
    name: values.name,
    slug: values.slug.trim(),
    email: orNull(values.email),
    phone: orNull(values.phone),
    website: orNull(values.website),
    industry: orNull(values.industry),
    timezone: values.timezone,
    stage: values.stage,
    owner_id: values.owner_id,
    tags: values.tags,
    do_not_contact: values.do_not_contact,
    address: Object.values(address).some(Boolean) ? address : null,
    custom_fields: Object.fromEntries(definitions.map((d) => [d.key, toApiValue(d, values.custom_fields[d.key])])),
  };
}

function formatAddress(customer: Customer): string {
  const a = customer.address;
  if (!a) return "—";
  return [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(" "), a.region, a.country]
    .filter(Boolean)
    .join(", ") || "—";
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: "anywhere" }}>
        {children}
      </Text>
    </div>
  );
}

function ProfileView({ customer, definitions }: { customer: Customer; definitions: CustomFieldDefinition[] }) {
  const { data: users } = useNamedOwners([customer.owner_id]);
  const metadata = Object.entries(customer.metadata);
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
        <Field label="Slug">{customer.slug}</Field>
        <Field label="Lifecycle stage">{customer.stage}</Field>
        <Field label="Email">{customer.email ?? "—"}</Field>
        <Field label="Phone">{customer.phone ?? "—"}</Field>
        <Field label="Website">{customer.website ?? "—"}</Field>
        <Field label="Industry">{customer.industry ?? "—"}</Field>
        <Field label="Time zone">{customer.timezone ?? "—"}</Field>
        <Field label="Owner">{ownerName(users, customer.owner_id)}</Field>
        <Field label="Address">{formatAddress(customer)}</Field>
        <Field label="Do not contact">{customer.do_not_contact ? "Yes" : "No"}</Field>
        <Field label="Last activity">{formatDateTime(customer.last_activity_at)}</Field>
        <Field label="Created">{formatDateTime(customer.created_at)}</Field>
      </SimpleGrid>
      {definitions.length > 0 && (
        <>
          <Divider label="Custom fields" labelPosition="left" />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
            {definitions.map((d) => (
              <Field key={d.key} label={d.label}>
                {formatCustomValue(d, customer.custom_fields[d.key])}
              </Field>
            ))}
          </SimpleGrid>
        </>
      )}
      {metadata.length > 0 && (
        <>
          <Divider label="Metadata (read only)" labelPosition="left" />
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
            {metadata.map(([key, value]) => (
              <Field key={key} label={key}>
                {typeof value === "string" ? value : JSON.stringify(value)}
              </Field>
            ))}
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

function ProfileForm({
  customer,
  definitions,
  onDone,
}: {
  customer: Customer;
  definitions: CustomFieldDefinition[];
  onDone: () => void;
}) {
  const zones = useMemo(() => timeZones(), []);
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: toValues(customer, definitions),
    validate: { name: (value) => (value.trim() ? null : "A name is required") },
  });
  const fields = [...BASE_FIELDS, ...definitions.map((d) => `custom_fields.${d.key}`)];
  const save = useCustomerUpdateMutation(customer.id, {
    onSuccess: () => {
      notifications.show({ color: "green", message: "Profile saved." });
      onDone();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, fields)),
  });

  return (
    <form
      aria-label="Edit profile"
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate(toBody(values, definitions));
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput label="Name" required maxLength={200} {...form.getInputProps("name")} />
          <TextInput label="Slug" description="unique; used in addresses" {...form.getInputProps("slug")} />
          <TextInput label="Email" type="email" {...form.getInputProps("email")} />
          <TextInput label="Phone" type="tel" description="e.g. +1 555 123 4567" {...form.getInputProps("phone")} />
          <TextInput label="Website" placeholder="https://" {...form.getInputProps("website")} />
          <TextInput label="Industry" {...form.getInputProps("industry")} />
          <Select
            label="Time zone"
            data={zones}
            searchable
            clearable
            limit={50}
            nothingFoundMessage="No such time zone"
            {...form.getInputProps("timezone")}
          />
          <Select label="Lifecycle stage" data={STAGES} allowDeselect={false} {...form.getInputProps("stage")} />
          <OwnerSelect label="Owner" clearable placeholder="Unassigned" {...form.getInputProps("owner_id")} />
          <TagsInput label="Tags" description="press Enter after each tag" {...form.getInputProps("tags")} />
        </SimpleGrid>
        <Divider label="Address" labelPosition="left" />
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {ADDRESS.map(([key, label]) => (
            <TextInput key={key} label={label} {...form.getInputProps(`address.${key}`)} />
          ))}
        </SimpleGrid>
        {definitions.length > 0 && (
          <>
            <Divider label="Custom fields" labelPosition="left" />
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {definitions.map((d) => (
                <CustomFieldInput
                  key={d.key}
                  definition={d}
                  inputProps={form.getInputProps(
                    `custom_fields.${d.key}`,
                    d.type === "boolean" ? { type: "checkbox" } : undefined,
                  )}
                />
              ))}
            </SimpleGrid>
          </>
        )}
        <Checkbox
          label="Do not contact (no campaign will message this customer)"
          {...form.getInputProps("do_not_contact", { type: "checkbox" })}
        />
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save profile
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function ProfileCard({ customer }: { customer: Customer }) {
  const { canWrite } = useCrmPermissions();
  const definitions = useCustomFieldsQuery();
  const [editing, setEditing] = useState(false);
  const list = definitions.data ?? [];
  return (
    <Paper withBorder radius="md" p="md">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4">
          Profile
        </Title>
        {canWrite && !editing && (
          <Button size="xs" variant="light" onClick={() => setEditing(true)} disabled={definitions.isPending}>
            Edit profile
          </Button>
        )}
      </Group>
      {editing ? (
        <ProfileForm key={customer.updated_at} customer={customer} definitions={list} onDone={() => setEditing(false)} />
      ) : (
        <ProfileView customer={customer} definitions={list} />
      )}
    </Paper>
  );
}
