import { Alert, Badge, Button, Code, CopyButton, Group, NumberInput, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { PageHeader } from "../../../../components/PageHeader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { applyServerErrors } from "../../../../components/serverErrors";
import { useSession } from "../../../session/api/session";
import { useTokenCreateMutation, useTokenRevokeMutation, type IssuedToken } from "../api/token-mutations";
import { useTokensQuery } from "../api/tokens-query";

function NewToken({ onIssued }: { onIssued: (token: IssuedToken) => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<{ name: string; expires_in_days: number | string }>({
    initialValues: { name: "", expires_in_days: 90 },
    validate: { name: (value) => (value.trim() ? null : "Name the token after what will use it") },
  });
  const create = useTokenCreateMutation({
    onSuccess: (issued) => {
      form.reset();
      onIssued(issued);
    },
    onError: (error) => setFormErrors(applyServerErrors(form, error, ["name", "expires_in_days"])),
  });
  return (
    <form
      noValidate
      aria-label="New API token"
      onSubmit={form.onSubmit(({ name, expires_in_days }) => {
        setFormErrors([]);
        create.mutate({ name, expires_in_days: expires_in_days === "" ? null : Number(expires_in_days) });
      })}
    >
      <Stack maw={560}>
        <FormErrors messages={formErrors} />
        <Group align="flex-start" grow>
          <TextInput label="Name" required {...form.getInputProps("name")} />
          <NumberInput
            label="Expires in (days)"
            description="empty: never"
            min={1}
            max={3650}
            {...form.getInputProps("expires_in_days")}
          />
        </Group>
        <Group>
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function TokensPage() {
  const me = useSession();
  const tokens = useTokensQuery();
  const revoke = useTokenRevokeMutation();
  const [issued, setIssued] = useState<IssuedToken | null>(null);

  return (
    <>
      <PageHeader title="API tokens" />
      <Stack gap="xl">
        <section aria-labelledby="new-token-title">
          <Title order={2} size="h3" id="new-token-title" mb="sm">
            New token
          </Title>
          {issued && (
            <Alert color="green" title="Copy the token now: it will not be shown again" mb="md" maw={720}>
              <Stack gap="xs">
                <Code block data-testid="issued-token">
                  {issued.token}
                </Code>
                <CopyButton value={issued.token}>
                  {({ copied, copy }) => (
                    <Button size="xs" variant="light" onClick={copy}>
                      {copied ? "Copied" : "Copy"}
                    </Button>
                  )}
                </CopyButton>
              </Stack>
            </Alert>
          )}
          <NewToken onIssued={setIssued} />
        </section>
        <section aria-labelledby="tokens-title">
          <Title order={2} size="h3" id="tokens-title" mb="sm">
            Your tokens
          </Title>
          {tokens.isPending ? (
            <PageLoader label="Loading tokens" />
          ) : tokens.isError ? (
            <ErrorAlert error={tokens.error} onRetry={() => void tokens.refetch()} />
          ) : (
            <ScrollRegion label="Your tokens" minWidth={560}>
              <Table striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Name</Table.Th>
                    <Table.Th>Prefix</Table.Th>
                    <Table.Th>Expires</Table.Th>
                    <Table.Th>Last used</Table.Th>
                    <Table.Th>
                      <span className="visually-hidden">Actions</span>
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {tokens.data.map((token) => (
                    <Table.Tr key={token.id}>
                      <Table.Td>
                        {token.name}
                        {token.id === me.token.id && (
                          <Badge ml="xs" variant="light">
                            this session
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Code>{token.token_prefix}…</Code>
                      </Table.Td>
                      <Table.Td>{token.expires_at ? formatDateTime(token.expires_at) : "never"}</Table.Td>
                      <Table.Td>{formatDateTime(token.last_used_at)}</Table.Td>
                      <Table.Td>
                        {token.revoked_at ? (
                          <Text size="sm" c="dimmed">
                            revoked
                          </Text>
                        ) : (
                          token.id !== me.token.id && (
                            <Button
                              size="xs"
                              variant="light"
                              color="red"
                              onClick={() => revoke.mutate(token.id)}
                              aria-label={`Revoke ${token.name}`}
                            >
                              Revoke
                            </Button>
                          )
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </ScrollRegion>
          )}
        </section>
      </Stack>
    </>
  );
}
