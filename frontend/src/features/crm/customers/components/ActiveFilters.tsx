import { Button, Group, Pill } from "@mantine/core";
import type { CustomFieldDefinition } from "../api/custom-fields-query";
import { filterChips, type OwnerOption } from "../chips";
import { EMPTY_FILTERS, type CustomerFilterState } from "../filters";

export function ActiveFilters({
  filters,
  customFields,
  owners,
  onChange,
}: {
  filters: CustomerFilterState;
  customFields: CustomFieldDefinition[];
  owners: OwnerOption[];
  onChange: (filters: CustomerFilterState) => void;
}) {
  const chips = filterChips(filters, customFields, owners);
  const anything = chips.length > 0 || filters.q || filters.stage.length > 0;
  if (!anything) return null;
  return (
    <Group gap="xs" mb="sm" wrap="wrap">
      {chips.map((chip) => (
        <Pill
          key={chip.id}
          size="md"
          withRemoveButton
          onRemove={() => onChange(chip.without(filters))}
          removeButtonProps={{ "aria-label": `Remove filter ${chip.label}` }}
        >
          {chip.label}
        </Pill>
      ))}
      <Button variant="subtle" size="compact-sm" onClick={() => onChange({ ...EMPTY_FILTERS })}>
        Clear all filters
      </Button>
    </Group>
  );
}

