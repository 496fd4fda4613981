import { Navigate, type RouteObject } from "react-router";

// The CRM: behind login in the same shell as the Command Center, one lazy chunk per page.
export const crmRoutes: RouteObject[] = [
  {
    path: "/crm",
    lazy: async () => ({
      Component: (await import("../command-center/components/CommandCenterShell")).CommandCenterShell,
    }),
    children: [
      { index: true, element: <Navigate to="customers" replace /> },
      {
        path: "customers",
        lazy: async () => ({ Component: (await import("./customers/components/CustomerListPage")).CustomerListPage }),
      },
      {
        path: "customers/:customerId",
        lazy: async () => ({
          Component: (await import("./customer-detail/components/CustomerDetailPage")).CustomerDetailPage,
        }),
      },
      {
        path: "import",
        lazy: async () => ({ Component: (await import("./import/components/CustomerImportPage")).CustomerImportPage }),
      },
      {
        path: "fields",
        lazy: async () => ({ Component: (await import("./custom-fields/components/CustomFieldsPage")).CustomFieldsPage }),
      },
      {
        path: "conversations",
        lazy: async () => ({
          Component: (await import("./conversations/components/ConversationsPage")).ConversationsPage,
        }),
      },
      {
        path: "questions",
        lazy: async () => ({
          Component: (await import("./pending-questions/components/PendingQuestionsPage")).PendingQuestionsPage,
        }),
      },
    ],
  },
];
