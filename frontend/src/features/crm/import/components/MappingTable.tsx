import { Select, Table, Text } from "@mantine/core";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import type { CustomFieldDefinition } from "../../customers/api/custom-fields-query";
import type { FileHead } from "../fileHead";
import { FIELD_LABELS, metadataTarget, type ColumnMapping } from "../mapping";

// Mantine's Select keeps "" for "nothing chosen"; skipping a column is a choice of its own.
const SKIP = "__skip__";
const BASIC = ["name", "email", "phone", "website", "industry", "stage", "tags", "timezone", "slug", "do_not_contact"];
const ADDRESS = Object.keys(FIELD_LABELS).filter((field) => field.startsWith("address."));

function options(column: string, customFields: CustomFieldDefinition[]) {
  const field = (value: string) => ({ value, label: FIELD_LABELS[value] ?? value });
  return [
    { group: "Skip", items: [{ value: SKIP, label: "Don't import" }] },
    { group: "Customer", items: BASIC.map(field) },
    { group: "Address", items: ADDRESS.map(field) },
    ...(customFields.length
      ? [
          {
            group: "Custom fields",
            items: customFields.map((f) => ({ value: `custom.${f.key}`, label: f.label })),
          },
        ]
      : []),
    { group: "Other", items: [{ value: metadataTarget(column), label: "Keep as metadata" }] },
  ];
}

/** One row per column of the file: its example values and the field it goes to. */
export function MappingTable({
  head,
  mapping,
  customFields,
  onChange,
}: {
  head: FileHead;
  mapping: ColumnMapping;
  customFields: CustomFieldDefinition[];
  onChange: (mapping: ColumnMapping) => void;
}) {
  return (
    <ScrollRegion label="Columns of the file" minWidth={560}>
      <Table verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Column in the file</Table.Th>
            <Table.Th>Examples</Table.Th>
            <Table.Th w={240}>Customer field</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {head.columns.map((column) => {
            const examples = head.samples.map((row) => row[column] ?? "").filter((value) => value.trim());
            return (
              <Table.Tr key={column}>
                <Table.Td>
                  <Text fw={600} size="sm">
                    {column}
                  </Text>
                </Table.Td>
                <Table.Td maw={260}>
                  <Text size="sm" c="dimmed" truncate="end">
                    {examples.length ? examples.join(", ") : "(empty)"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Select
                    aria-label={`Field for the column ${column}`}
                    data={options(column, customFields)}
                    value={mapping[column] || SKIP}
                    onChange={(value) => onChange({ ...mapping, [column]: !value || value === SKIP ? "" : value })}
                    allowDeselect={false}
                    searchable
                    size="sm"
                  />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}
