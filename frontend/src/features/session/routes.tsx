import type { RouteObject } from "react-router";

export const sessionRoutes: RouteObject[] = [
  { path: "/login", lazy: async () => ({ Component: (await import("./components/LoginPage")).LoginPage }) },
];
