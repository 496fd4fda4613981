import { MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import { createMemoryRouter, RouterProvider, type RouteObject } from "react-router";
import { tokenStore, type Schemas } from "../api/client";
import { createQueryClient } from "../app/queryClient";
import { sessionKeys } from "../features/session/api/keys";

export const ME: Schemas["Me"] = {
  user: {
    id: "00000000-0000-4000-8000-000000000001",
    tenant_id: "00000000-0000-4000-8000-0000000000aa",
    email: "owner@example.com",
    name: "Olive Owner",
    role: "owner",
    is_active: true,
    last_login_at: null,
    created_at: "2026-01-01T00:00:00Z",
  },
  tenant: {
    id: "00000000-0000-4000-8000-0000000000aa",
    name: "Example Shop",
    slug: "example",
    domain: null,
    is_active: true,
    created_at: "2026-01-01T00:00:00Z",
  },
  token: {
    id: "00000000-0000-4000-8000-0000000000bb",
    name: "browser",
    token_prefix: "fib_abcd",
    abilities: ["*"],
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    created_at: "2026-01-01T00:00:00Z",
  },
};

interface Options {
  path?: string;
  /** The route pattern the element is mounted at (default: `path` itself), e.g. `/knowledge/:entryId`. */
  route?: string;
  /** Signed in as this session (a token in storage and `me` known), or signed out with null. */
  session?: Schemas["Me"] | null;
  extraRoutes?: RouteObject[];
}

/** Render `element` at `path` inside the app's providers, with the real QueryClient policy (no retries). */
export function renderPage(element: React.ReactElement, { path = "/", route, session = ME, extraRoutes = [] }: Options = {}) {
  const client: QueryClient = createQueryClient();
  client.setDefaultOptions({ queries: { retry: false, staleTime: Infinity } });
  if (session) {
    tokenStore.set("fib_test");
    client.setQueryData(sessionKeys.me(), session);
  }
  const router = createMemoryRouter(
    [{ path: route ?? path.split("?")[0], element }, ...extraRoutes, { path: "*", element: <p>elsewhere</p> }],
    { initialEntries: [path] },
  );
  const view = render(
    <MantineProvider>
      <Notifications />
      <QueryClientProvider client={client}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { ...view, router, client };
}
