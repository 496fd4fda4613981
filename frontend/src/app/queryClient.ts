// The QueryClient's policy: no retry on a 4xx except 429 (waiting out Retry-After), three tries otherwise;
// a 401 anywhere ends the session and sends the user to the login page, then back (`?next=`);
// a 403 on a change shows one toast naming what is missing; other failed changes show a toast unless the
// caller handles the error itself (forms put it on their fields).
import { notifications } from "@mantine/notifications";
import { MutationCache, QueryCache, QueryClient } from "@tanstack/react-query";
import { tokenStore } from "../api/client";
import { ApiError, ForbiddenError, UnauthorizedError } from "../api/errors";

export const MAX_TRIES = 3;

export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) return false;
  return failureCount < MAX_TRIES - 1;
}

export function retryDelay(attempt: number, error: unknown): number {
  if (error instanceof ApiError && error.retryAfter) return error.retryAfter * 1000;
  return Math.min(1000 * 2 ** attempt, 10_000);
}

/** Where to go to sign in again, coming back to the current page afterwards. */
export function loginPath(location: Pick<Location, "pathname" | "search">): string {
  const next = location.pathname + location.search;
  return next.startsWith("/login") ? "/login" : `/login?next=${encodeURIComponent(next)}`;
}

let onUnauthorized: () => void = () => window.location.assign(loginPath(window.location));

/** The router installs its own navigation for the 401 redirect (no full page load). */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

function handleUnauthorized(error: unknown, client: () => QueryClient): boolean {
  if (!(error instanceof UnauthorizedError) || !tokenStore.get()) return false;
  tokenStore.clear();
  client().clear();
  onUnauthorized();
  return true;
}

export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return "Something went wrong.";
  return error.requestId ? `${error.message} (request id ${error.requestId})` : error.message;
}

export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => void handleUnauthorized(error, () => client) }),
    mutationCache: new MutationCache({
      onError: (error, _variables, _context, mutation) => {
        // A failed login is a 401 too: it stays on its form.
        if (!mutation.meta?.keepOnUnauthorized && handleUnauthorized(error, () => client)) return;
        if (error instanceof ForbiddenError) {
          notifications.show({ id: "forbidden", color: "red", title: "Not allowed", message: describeError(error) });
          return;
        }
        if (mutation.options.onError) return; // the caller shows it (a form, on its fields)
        notifications.show({ color: "red", title: "That did not work", message: describeError(error) });
      },
    }),
    defaultOptions: {
      queries: { retry: shouldRetry, retryDelay, staleTime: 60_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
  return client;
}
