import { Anchor, Badge, Group, Skeleton, Stack, Table, Text, Tooltip } from "@mantine/core";
import { Link } from "react-router";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { formatDateTime } from "../../../../components/format";
import { formatRelative } from "../../../../components/relativeTime";
import type { Customer } from "../api/customers-query";
import { StageBadge } from "./StageBadge";

const SHOWN_TAGS = 3;
const COLUMNS = ["Name", "Stage", "Contact", "Tags", "Last activity"];

function Tags({ tags }: { tags: string[] }) {
  if (tags.length === 0) return <Text c="dimmed">—</Text>;
  const rest = tags.length - SHOWN_TAGS;
  return (
    <Group gap={4} wrap="wrap">
      {tags.slice(0, SHOWN_TAGS).map((tag) => (
        <Badge key={tag} variant="outline" color="gray" radius="sm" tt="none" fw={500}>
          {tag}
        </Badge>
      ))}
      {rest > 0 && (
        <Text size="xs" c="dimmed">
          +{rest} more
        </Text>
      )}
    </Group>
  );
}

function Frame({ children }: { children: React.ReactNode }) {
  return (
    <ScrollRegion label="Customers" minWidth={760}>
      <Table verticalSpacing="sm" highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            {COLUMNS.map((column) => (
              <Table.Th key={column}>{column}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>{children}</Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

/** The table's shape while the first page loads, so the page does not jump when it arrives. */
export function CustomerTableSkeleton() {
  return (
    <div role="status" aria-live="polite" aria-label="Loading customers">
      <Frame>
        {Array.from({ length: 6 }, (_, row) => (
          <Table.Tr key={row}>
            {COLUMNS.map((column) => (
              <Table.Td key={column}>
                <Skeleton height={12} width={column === "Name" ? "70%" : "50%"} radius="sm" />
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Frame>
    </div>
  );
}

export function CustomerTable({ customers }: { customers: Customer[] }) {
  return (
    <Frame>
      {customers.map((customer) => (
        <Table.Tr key={customer.id}>
          <Table.Td>
            <Stack gap={0}>
              <Anchor component={Link} to={`/crm/customers/${customer.id}`} fw={600}>
                {customer.name}
              </Anchor>
              <Text size="xs" c="dimmed">
                {[customer.industry, customer.slug].filter(Boolean).join(" · ")}
              </Text>
            </Stack>
          </Table.Td>
          <Table.Td>
            <Group gap={6} wrap="nowrap">
              <StageBadge stage={customer.stage} />
              {customer.do_not_contact && (
                <Badge variant="light" color="red" radius="sm" tt="none" miw="max-content">
                  Do not contact
                </Badge>
              )}
            </Group>
          </Table.Td>
          <Table.Td>
            <Stack gap={0}>
              <Text size="sm">{customer.email ?? "—"}</Text>
              {customer.phone && (
                <Text size="xs" c="dimmed">
                  {customer.phone}
                </Text>
              )}
            </Stack>
          </Table.Td>
          <Table.Td>
            <Tags tags={customer.tags} />
          </Table.Td>
          <Table.Td>
            {customer.last_activity_at ? (
              <Tooltip label={formatDateTime(customer.last_activity_at)} withArrow>
                <Text size="sm" component="time" dateTime={customer.last_activity_at}>
                  {formatRelative(customer.last_activity_at)}
                </Text>
              </Tooltip>
            ) : (
              <Text size="sm" c="dimmed">
                No activity
              </Text>
            )}
          </Table.Td>
        </Table.Tr>
      ))}
    </Frame>
  );
}
