import { Anchor, AppShell, Container, Group, Title } from "@mantine/core";
import { Link, Outlet } from "react-router";
import { useLearningTenant } from "../api/tenant";

/** The public Learning Center's frame: no login, the tenant from the path or the host. */
export function LearningLayout() {
  const { base } = useLearningTenant();
  return (
    <AppShell header={{ height: 60 }} padding="md">
      <AppShell.Header>
        <Container size="md" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Title order={2} size="h4">
              <Link to={base || "/"} className="brand-link">
                Learning Center
              </Link>
            </Title>
            <Anchor component={Link} to="/login" size="sm">
              Sign in
            </Anchor>
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="md" px={0}>
          <Outlet />
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
