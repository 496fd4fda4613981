import { Badge, Button, Modal, PasswordInput, Select, Stack, Table, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import type { Schemas } from "../../../../api/client";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { applyServerErrors } from "../../../../components/serverErrors";
import { useUserCreateMutation, type UserCreate } from "../api/user-create-mutation";
import { useUsersQuery } from "../api/users-query";

const ROLES: Schemas["Role"][] = ["viewer", "staff", "admin", "owner"];
const FIELDS = ["email", "name", "password", "role"] as const;

function UserForm({ onDone }: { onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<UserCreate & { role: Schemas["Role"] }>({
    initialValues: { email: "", name: "", password: "", role: "staff" },
    validate: {
      name: (value) => (value.trim() ? null : "A name is required"),
      password: (value) => (value.length >= 10 ? null : "At least 10 characters"),
    },
  });
  const create = useUserCreateMutation({
    onSuccess: () => {
      notifications.show({ color: "green", message: "User created." });
      onDone();
    },
    onError: (error) => setFormErrors(applyServerErrors(form, error, FIELDS)),
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        create.mutate(values);
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <TextInput label="Name" required {...form.getInputProps("name")} />
        <TextInput label="Email" type="email" required {...form.getInputProps("email")} />
        <PasswordInput label="Password" required autoComplete="new-password" {...form.getInputProps("password")} />
        <Select label="Role" data={ROLES} allowDeselect={false} {...form.getInputProps("role")} />
        <Button type="submit" loading={create.isPending}>
          Create user
        </Button>
      </Stack>
    </form>
  );
}

export function UsersPage() {
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const users = useUsersQuery(page);
  return (
    <>
      <PageHeader title="Users">
        <Button onClick={() => setCreating(true)}>New user</Button>
      </PageHeader>
      {users.isPending ? (
        <PageLoader label="Loading users" />
      ) : users.isError ? (
        <ErrorAlert error={users.error} onRetry={() => void users.refetch()} />
      ) : (
        <>
          <ScrollRegion label="Users" minWidth={560}>
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Last login</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((user) => (
                  <Table.Tr key={user.id}>
                    <Table.Td>{user.name}</Table.Td>
                    <Table.Td>{user.email}</Table.Td>
                    <Table.Td>
                      <Badge variant="light">{user.role}</Badge>
                      {!user.is_active && (
                        <Badge color="gray" ml="xs">
                          inactive
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{formatDateTime(user.last_login_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
          <ListPagination meta={users.data.pagination} onChange={setPage} />
        </>
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="New user">
        {creating && <UserForm onDone={() => setCreating(false)} />}
      </Modal>
    </>
  );
}
