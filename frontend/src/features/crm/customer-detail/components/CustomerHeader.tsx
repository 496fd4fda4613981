import { Anchor, Badge, Group, Paper, Stack, Text, Title } from "@mantine/core";
import type { Customer } from "../api/customer-query";
import { ownerName, useNamedOwners } from "../../customers/api/owners-query";
import { STAGE_COLOR } from "../options";

/** Who the customer is at a glance: name, stage, do-not-contact, owner, how to reach them, tags. */
export function CustomerHeader({ customer }: { customer: Customer }) {
  const { data: users } = useNamedOwners([customer.owner_id]);
  const reach = [customer.email, customer.phone].filter(Boolean).join(" · ");
  return (
    <Paper withBorder radius="md" p="md" mb="md">
      <Stack gap={6}>
        <Group gap="sm" wrap="wrap">
          <Title order={1} size="h2" style={{ overflowWrap: "anywhere" }}>
            {customer.name}
          </Title>
          <Badge color={STAGE_COLOR[customer.stage]} variant="light" data-testid="stage-badge">
            {customer.stage}
          </Badge>
          {customer.do_not_contact && (
            <Badge color="red" variant="filled">
              do not contact
            </Badge>
          )}
        </Group>
        <Group gap="md" wrap="wrap">
          <Text size="sm" c="dimmed">
            Owner: <Text span c="var(--mantine-color-text)">{ownerName(users, customer.owner_id)}</Text>
          </Text>
          {reach && (
            <Text size="sm" c="dimmed" style={{ overflowWrap: "anywhere" }}>
              {reach}
            </Text>
          )}
          {customer.website && (
            <Anchor size="sm" href={customer.website} target="_blank" rel="noreferrer" style={{ overflowWrap: "anywhere" }}>
              {customer.website.replace(/^https?:\/\//, "")}
            </Anchor>
          )}
        </Group>
        {customer.tags.length > 0 && (
          <Group gap={4} aria-label="Tags">
            {customer.tags.map((tag) => (
              <Badge key={tag} variant="outline" color="gray" size="sm">
                {tag}
              </Badge>
            ))}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
