import { createBrowserRouter, type RouteObject } from "react-router";
import { NotFoundPage } from "../components/NotFoundPage";
import { PageLoader } from "../components/PageLoader";
import { RouteError } from "../components/RouteError";
import { commandCenterRoutes } from "../features/command-center/routes";
import { crmRoutes } from "../features/crm/routes";
import { learningCenterRoutes } from "../features/learning-center/knowledge/routes";
import { sessionRoutes } from "../features/session/routes";
import { loginPath, setUnauthorizedHandler } from "./queryClient";

// Each area is its own set of lazy chunks.
export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    hydrateFallbackElement: <PageLoader />,
    children: [...learningCenterRoutes, ...sessionRoutes, ...commandCenterRoutes, ...crmRoutes, { path: "*", Component: NotFoundPage }],
  },
];

export function createRouter() {
  const router = createBrowserRouter(routes);
  setUnauthorizedHandler(() => void router.navigate(loginPath(window.location), { replace: true }));
  return router;
}
