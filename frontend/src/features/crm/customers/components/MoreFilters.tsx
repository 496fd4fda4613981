import {
  Autocomplete,
  Button,
  Divider,
  Group,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
  type ComboboxLikeRenderOptionInput,
  type ComboboxGenericItem,
} from "@mantine/core";
import { useState } from "react";
import type { CustomFieldDefinition } from "../api/custom-fields-query";
import { useFacetsQuery, type Facet } from "../api/facets-query";
import type { OwnerOption } from "../chips";
import { OwnerSelect } from "./OwnerSelect";
import {
  consentValue,
  customValue,
  EMPTY_FILTERS,
  withConsent,
  withCustom,
  type CustomerFilterState,
  type CustomOp,
} from "../filters";
import { CHANNEL_LABELS, CONSENT_CHANNELS, CONSENT_STATUSES } from "../options";


const STATUS_OPTIONS = CONSENT_STATUSES.map((status) => ({ value: status, label: status[0]?.toUpperCase() + status.slice(1) }));

function DateRange({
  label,
  from,
  to,
  onChange,
}: {
  label: string;
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
}) {
  return (
    <Group grow align="flex-start" gap="xs">
      <TextInput type="date" label={`${label} from`} value={from} max={to || undefined} onChange={(e) => onChange(e.currentTarget.value, to)} />
      <TextInput type="date" label={`${label} to`} value={to} min={from || undefined} onChange={(e) => onChange(from, e.currentTarget.value)} />
    </Group>
  );
}

/** One input per custom field type, writing the API's `key:value` / `key>=value` / `key<=value` conditions. */
function CustomFieldInput({
  field,
  custom,
  onChange,
}: {
  field: CustomFieldDefinition;
  custom: string[];
  onChange: (custom: string[]) => void;
}) {
  const value = (op: CustomOp) => customValue(custom, field.key, op);
  const set = (op: CustomOp, next: string) => onChange(withCustom(custom, field.key, op, next));
  switch (field.type) {
    case "number":
      return (
        <Group grow align="flex-start" gap="xs">
          <NumberInput label={`${field.label} at least`} value={value(">=")} onChange={(v) => set(">=", String(v))} />
          <NumberInput label={`${field.label} at most`} value={value("<=")} onChange={(v) => set("<=", String(v))} />
        </Group>
      );
    case "date":
      return (
        <DateRange
          label={field.label}
          from={value(">=")}
          to={value("<=")}
          onChange={(from, to) => onChange(withCustom(withCustom(custom, field.key, ">=", from), field.key, "<=", to))}
        />
      );
    case "select":
    case "multi_select":
      return (
        <Select
          label={field.type === "multi_select" ? `${field.label} includes` : field.label}
          data={field.options}
          value={value(":") || null}
          onChange={(v) => set(":", v ?? "")}
          clearable
          searchable
        />
      );
    case "boolean":
      return (
        <Select
          label={field.label}
          data={[
            { value: "true", label: "Yes" },
            { value: "false", label: "No" },
          ]}
          value={value(":") || null}
          onChange={(v) => set(":", v ?? "")}
          clearable
        />
      );
    default:
      return <TextInput label={field.label} value={value(":")} onChange={(e) => set(":", e.currentTarget.value)} />;
  }
}

/** A suggestion with how many customers have it ("vip · 12"). */
function withCount(facets: Facet[] | undefined) {
  const counts = new Map((facets ?? []).map((facet) => [facet.value, facet.count]));
  return {
    data: (facets ?? []).map((facet) => facet.value),
    renderOption: ({ option }: ComboboxLikeRenderOptionInput<ComboboxGenericItem>) => (
      <Group justify="space-between" wrap="nowrap" w="100%" gap="xs">
        <span>{option.value}</span>
        <Text span size="xs" c="dimmed">
          {counts.get(option.value) ?? ""}
        </Text>
      </Group>
    ),
  };
}

/** The filters behind "More filters", edited as a draft and applied together. */
export function MoreFilters({
  initial,
  customFields,
  me,
  onApply,
}: {
  initial: CustomerFilterState;
  customFields: CustomFieldDefinition[];
  me: OwnerOption;
  onApply: (filters: CustomerFilterState) => void;
}) {
  const [draft, setDraft] = useState(initial);
  const facets = useFacetsQuery();
  const patch = (values: Partial<CustomerFilterState>) => setDraft((current) => ({ ...current, ...values }));
  return (
    <form
      noValidate
      aria-label="More filters"
      onSubmit={(event) => {
        event.preventDefault();
        onApply(draft);
      }}
    >
      <Stack gap="md">
        <TagsInput
          label="Tags"
          description="customers with all of these tags; press Enter after each"
          value={draft.tag}
          onChange={(tag) => patch({ tag })}
          {...withCount(facets.data?.tags)}
        />
        <Autocomplete
          label="Industry"
          value={draft.industry}
          onChange={(industry) => patch({ industry })}
          {...withCount(facets.data?.industries)}
        />
        <OwnerSelect
          label="Owner"
          pinned={[me]}
          value={draft.owner_id || null}
          onChange={(owner) => patch({ owner_id: owner ?? "" })}
          clearable
        />
        <DateRange
          label="Created"
          from={draft.created_from}
          to={draft.created_to}
          onChange={(created_from, created_to) => patch({ created_from, created_to })}
        />
        <DateRange
          label="Last activity"
          from={draft.active_from}
          to={draft.active_to}
          onChange={(active_from, active_to) => patch({ active_from, active_to })}
        />
        <Divider label="Consent and contact" labelPosition="left" />
        <Group grow align="flex-start" gap="xs">
          {CONSENT_CHANNELS.map((channel) => (
            <Select
              key={channel}
              label={CHANNEL_LABELS[channel]}
              placeholder="Any"
              data={STATUS_OPTIONS}
              value={consentValue(draft.consent, channel) || null}
              onChange={(status) => patch({ consent: withConsent(draft.consent, channel, status ?? "") })}
              clearable
            />
          ))}
        </Group>
        <Select
          label="Do not contact"
          placeholder="Either"
          data={[
            { value: "true", label: "Marked do not contact" },
            { value: "false", label: "Not marked" },
          ]}
          value={draft.do_not_contact || null}
          onChange={(value) => patch({ do_not_contact: value === "true" || value === "false" ? value : "" })}
          clearable
        />
        {customFields.length > 0 && (
          <>
            <Divider label="Custom fields" labelPosition="left" />
            {customFields.map((field) => (
              <CustomFieldInput
                key={field.id}
                field={field}
                custom={draft.custom}
                onChange={(custom) => patch({ custom })}
              />
            ))}
          </>
        )}
        {customFields.length === 0 && (
          <Text size="xs" c="dimmed">
            Custom fields an admin defines can be filtered here too.
          </Text>
        )}
        <Group justify="space-between" mt="sm">
          <Button
            variant="subtle"
            color="gray"
            onClick={() => setDraft({ ...EMPTY_FILTERS, q: draft.q, stage: draft.stage })}
          >
            Reset these
          </Button>
          <Button type="submit">Apply filters</Button>
        </Group>
      </Stack>
    </form>
  );
}
