// The one API client: typed from the OpenAPI document (schema.d.ts), with the bearer token and a request id
// on every request. Query hooks call it through `unwrap` (errors.ts).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

const TOKEN_KEY = "fibonacco.token";

export const tokenStore = {
  get: (): string | null => window.localStorage.getItem(TOKEN_KEY),
  set: (token: string): void => window.localStorage.setItem(TOKEN_KEY, token),
  clear: (): void => window.localStorage.removeItem(TOKEN_KEY),
};

export function newRequestId(): string {
  return crypto.randomUUID();
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = tokenStore.get();
    if (token && !request.headers.has("Authorization")) request.headers.set("Authorization", `Bearer ${token}`);
    if (!request.headers.has("X-Request-ID")) request.headers.set("X-Request-ID", newRequestId());
    return request;
  },
};

// The API's base URL: same origin (served by `fibonacco serve`, or proxied by `make ui`) unless built with
// VITE_API_URL for a separate API host.
export const api = createClient<paths>({
  baseUrl: import.meta.env.VITE_API_URL ?? window.location.origin,
  fetch: (request) => globalThis.fetch(request), // looked up per call, so test doubles of fetch are seen
});
api.use(auth);
