import { Alert, Paper, SimpleGrid, Table, Text } from "@mantine/core";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import type { CustomerImport } from "../api/import-start-mutation";

const SHOWN_ERRORS = 200;

function Count({ label, value, color }: { label: string; value: number; color?: string }) {
  return (
    <Paper withBorder p="sm" radius="md">
      <Text size="xs" c="dimmed" tt="uppercase" fw={700}>
        {label}
      </Text>
      <Text fz={28} fw={700} c={value > 0 ? color : undefined} lh={1.2} data-testid={`count-${label.toLowerCase().replace(/\s+/g, "-")}`}>
        {value.toLocaleString()}
      </Text>
    </Paper>
  );
}

/** What an import did (or, for a dry run, would do): the counts and every rejected row with its line. */
export function ImportReport({ result }: { result: CustomerImport }) {
  const would = result.dry_run;
  return (
    <>
      <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
        <Count label={would ? "Would create" : "Created"} value={result.created} color="green.9" />
        <Count label={would ? "Would update" : "Updated"} value={result.updated} color="blue.9" />
        <Count label="Unchanged" value={result.unchanged} />
        <Count label="Rejected" value={result.rejected} color="red.9" />
      </SimpleGrid>
      {result.errors.length > 0 ? (
        <>
          <Text fw={600} mt="sm">
            {would ? "Rows that would be rejected" : "Rejected rows"} (nothing of them is written)
          </Text>
          <ScrollRegion label="Rejected rows" minWidth={480}>
            <Table striped verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={80}>Line</Table.Th>
                  <Table.Th w={160}>Field</Table.Th>
                  <Table.Th>Problem</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {result.errors.slice(0, SHOWN_ERRORS).map((error, index) => (
                  <Table.Tr key={`${error.line}-${index}`}>
                    <Table.Td>{error.line}</Table.Td>
                    <Table.Td>{error.field ?? "—"}</Table.Td>
                    <Table.Td>{error.message}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
          {result.errors.length > SHOWN_ERRORS && (
            <Text size="sm" c="dimmed">
              and {(result.errors.length - SHOWN_ERRORS).toLocaleString()} more.
            </Text>
          )}
        </>
      ) : (
        <Alert color="green" variant="light" mt="sm">
          {would ? "Every row can be imported." : "Every row was imported."}
        </Alert>
      )}
    </>
  );
}
