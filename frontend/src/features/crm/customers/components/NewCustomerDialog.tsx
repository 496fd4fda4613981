import { Button, Group, Modal, Select, SimpleGrid, Stack, TagsInput, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useNavigate } from "react-router";
import { applyFormErrors } from "../../../../components/conflictErrors";
import { FormErrors } from "../../../../components/FormErrors";
import { useCustomerCreateMutation, type CustomerCreate } from "../api/customer-create-mutation";
import { STAGE_LABELS, STAGES } from "../options";

interface Values {
  name: string;
  email: string;
  phone: string;
  website: string;
  industry: string;
  stage: NonNullable<CustomerCreate["stage"]>;
  tags: string[];
  timezone: string;
  slug: string;
}

const FIELDS = ["name", "email", "phone", "website", "industry", "stage", "tags", "timezone", "slug"] as const;
const TIME_ZONES = Intl.supportedValuesOf("timeZone");
const STAGE_OPTIONS = STAGES.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }));

/** The form's values as the API's body: blank optional fields are left out. */
function toCreateBody(values: Values): CustomerCreate {
  const optional = (value: string) => value.trim() || null;
  return {
    name: values.name.trim(),
    email: optional(values.email),
    phone: optional(values.phone),
    website: optional(values.website),
    industry: optional(values.industry),
    timezone: optional(values.timezone),
    slug: optional(values.slug),
    stage: values.stage,
    tags: values.tags,
    do_not_contact: false,
  };
}

function NewCustomerForm() {
  const navigate = useNavigate();
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: {
      name: "",
      email: "",
      phone: "",
      website: "",
      industry: "",
      stage: "lead",
      tags: [],
      timezone: "",
      slug: "",
    },
    validate: {
      name: (value) => (value.trim() ? null : "A name is required"),
      email: (value) => (!value.trim() || /^\S+@\S+\.\S+$/.test(value.trim()) ? null : "Not an email address"),
      website: (value) =>
        !value.trim() || /^https?:\/\//i.test(value.trim()) ? null : "Start the address with https:// or http://",
      slug: (value) =>
        !value.trim() || /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(value.trim())
          ? null
          : "Lower-case letters, digits and single dashes",
    },
  });
  const create = useCustomerCreateMutation({
    onSuccess: (customer) => {
      notifications.show({ color: "green", message: `${customer.name} added.` });
      void navigate(`/crm/customers/${customer.id}`);
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, FIELDS)),
  });
  return (
    <form
      noValidate
      aria-label="New customer"
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        create.mutate(toCreateBody(values));
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
          <TextInput label="Email" type="email" {...form.getInputProps("email")} />
          <TextInput label="Phone" type="tel" description="international form, e.g. +1 555 123 4567" {...form.getInputProps("phone")} />
          <TextInput label="Website" placeholder="https://" {...form.getInputProps("website")} />
          <TextInput label="Industry" {...form.getInputProps("industry")} />
          <Select label="Stage" data={STAGE_OPTIONS} allowDeselect={false} {...form.getInputProps("stage")} />
          <Select
            label="Time zone"
            data={TIME_ZONES}
            searchable
            clearable
            limit={50}
            {...form.getInputProps("timezone")}
            value={form.values.timezone || null}
            onChange={(value) => form.setFieldValue("timezone", value ?? "")}
          />
        </SimpleGrid>
        <TagsInput label="Tags" description="press Enter after each tag" {...form.getInputProps("tags")} />
        <TextInput
          label="Slug"
          description="the customer's short name in links; made from the name when left blank"
          {...form.getInputProps("slug")}
        />
        <Group justify="flex-end">
          <Button type="submit" loading={create.isPending}>
            Create customer
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function NewCustomerDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <Modal opened={opened} onClose={onClose} title="New customer" size="lg" centered>
      {opened && <NewCustomerForm />}
    </Modal>
  );
}
