import { Navigate, type RouteObject } from "react-router";

// The Command Center: behind login, one lazy chunk per page; the shell (navigation, user, logout) is shared.
export const commandCenterRoutes: RouteObject[] = [
  {
    path: "/command-center",
    lazy: async () => ({ Component: (await import("./components/CommandCenterShell")).CommandCenterShell }),
    children: [
      { index: true, element: <Navigate to="knowledge" replace /> },
      {
        path: "knowledge",
        lazy: async () => ({ Component: (await import("./knowledge/components/KnowledgeListPage")).KnowledgeListPage }),
      },
      {
        path: "knowledge/new",
        lazy: async () => ({ Component: (await import("./knowledge/components/KnowledgeEditPage")).KnowledgeEditPage }),
      },
      {
        path: "knowledge/:entryId",
        lazy: async () => ({ Component: (await import("./knowledge/components/KnowledgeEditPage")).KnowledgeEditPage }),
      },
      {
        path: "categories",
        lazy: async () => ({ Component: (await import("./categories/components/CategoriesPage")).CategoriesPage }),
      },
      {
        path: "import",
        lazy: async () => ({ Component: (await import("./import/components/ImportPage")).ImportPage }),
      },
      {
        path: "outbox",
        lazy: async () => ({ Component: (await import("./outbox/components/OutboxPage")).OutboxPage }),
      },
      {
        path: "outbox/:messageId",
        lazy: async () => ({ Component: (await import("./outbox/components/MessagePage")).MessagePage }),
      },
      { path: "jobs", lazy: async () => ({ Component: (await import("./jobs/components/JobsPage")).JobsPage }) },
      { path: "users", lazy: async () => ({ Component: (await import("./users/components/UsersPage")).UsersPage }) },
      { path: "tokens", lazy: async () => ({ Component: (await import("./tokens/components/TokensPage")).TokensPage }) },
    ],
  },
];
