import { AppShell, Badge, Burger, Button, Group, NavLink, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link, Outlet, useLocation, useNavigate } from "react-router";
import { visibleAreas } from "../app/nav";
import { useLogoutMutation } from "../features/session/api/logout-mutation";
import { useSession } from "../features/session/api/session";

/** The signed-in shell: the areas and pages this role may use, who is signed in, and logout. */
export function AppLayout() {
  const me = useSession();
  const [opened, { toggle, close }] = useDisclosure();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const logout = useLogoutMutation({ onSettled: () => void navigate("/login", { replace: true }) });
  const areas = visibleAreas(me.user.role);

  return (
    <AppShell
      header={{ height: 60 }}
      navbar={{ width: 240, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Title order={2} size="h4">
              <Link to="/command-center" className="brand-link">
                Fibonacco
              </Link>
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Stack gap={0} align="flex-end" visibleFrom="xs">
              <Text size="sm" fw={600} data-testid="user-name">
                {me.user.name}
              </Text>
              <Text size="xs" c="dimmed">
                {me.tenant.name}
              </Text>
            </Stack>
            <Badge variant="light" data-testid="user-role">
              {me.user.role}
            </Badge>
            <Button variant="default" size="xs" onClick={() => logout.mutate()} loading={logout.isPending}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="sm" aria-label="Main navigation">
        {areas.map((area) => (
          <Stack key={area.id} gap={2}>
            <Text size="xs" fw={700} tt="uppercase" c="dimmed" px="sm" py={4}>
              {area.label}
            </Text>
            {area.items.map((item) => (
              <NavLink
                key={item.to}
                component={Link}
                to={item.to}
                label={item.label}
                active={pathname === item.to || pathname.startsWith(`${item.to}/`)}
                aria-current={pathname === item.to ? "page" : undefined}
                onClick={close}
              />
            ))}
          </Stack>
        ))}
        <NavLink component={Link} to={`/learn/${me.tenant.slug}`} label="Public Learning Center" mt="md" />
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
