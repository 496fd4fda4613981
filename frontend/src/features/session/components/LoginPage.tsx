import { Anchor, Button, Card, Container, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { FormErrors } from "../../../components/FormErrors";
import { applyServerErrors } from "../../../components/serverErrors";
import { useLoginMutation, type LoginVariables } from "../api/login-mutation";
import { safeNext } from "../next";

const LAST_WORKSPACE = "fibonacco.workspace";

export function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<LoginVariables>({
    initialValues: { tenant: window.localStorage.getItem(LAST_WORKSPACE) ?? "", email: "", password: "" },
    validate: {
      tenant: (value) => (value.trim() ? null : "Enter your workspace"),
      email: (value) => (/^\S+@\S+$/.test(value) ? null : "Enter your email address"),
      password: (value) => (value ? null : "Enter your password"),
    },
  });
  const login = useLoginMutation({
    onError: (error) => setFormErrors(applyServerErrors(form, error, ["tenant", "email", "password"])),
  });

  const submit = form.onSubmit((values) => {
    setFormErrors([]);
    const tenant = values.tenant.trim().toLowerCase();
    login.mutate(
      { ...values, tenant },
      {
        onSuccess: () => {
          window.localStorage.setItem(LAST_WORKSPACE, tenant);
          void navigate(safeNext(params.get("next")), { replace: true });
        },
      },
    );
  });

  return (
    <Container size={420} py="xl">
      <Card withBorder padding="lg" radius="md" component="main">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              Sign in
            </Title>
            {params.get("next") && (
              <Text size="sm" c="dimmed">
                Sign in to continue.
              </Text>
            )}
            <FormErrors messages={formErrors} />
            <TextInput
              label="Workspace"
              description="Your business's workspace name"
              autoComplete="organization"
              autoCapitalize="none"
              required
              {...form.getInputProps("tenant")}
            />
            <TextInput label="Email" type="email" autoComplete="username" required {...form.getInputProps("email")} />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              {...form.getInputProps("password")}
            />
            <Button type="submit" loading={login.isPending} fullWidth>
              Sign in
            </Button>
            <Anchor component={Link} to="/" size="sm" ta="center">
              Back to the Learning Center
            </Anchor>
          </Stack>
        </form>
      </Card>
    </Container>
  );
}
