import type { RouteObject } from "react-router";

// The public Learning Center: each page its own lazy chunk, at `/` (tenant by host) and `/learn/:tenant`.
const pages: RouteObject[] = [
  { index: true, lazy: async () => ({ Component: (await import("./components/HomePage")).HomePage }) },
  { path: "search", lazy: async () => ({ Component: (await import("./components/SearchPage")).SearchPage }) },
  {
    path: "entries/:entryId",
    lazy: async () => ({ Component: (await import("./components/EntryPage")).EntryPage }),
  },
  {
    path: "categories/:slug",
    lazy: async () => ({ Component: (await import("./components/CategoryPage")).CategoryPage }),
  },
];

const layout = async () => ({ Component: (await import("./components/LearningLayout")).LearningLayout });

export const learningCenterRoutes: RouteObject[] = [
  { path: "/", lazy: layout, children: pages },
  { path: "/learn/:tenant", lazy: layout, children: pages },
];
