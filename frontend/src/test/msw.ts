// MSW for unit tests, typed from the OpenAPI `paths`: a mock names a real path and method and must answer
// with that operation's documented success body (or an error envelope with a status).
import { http, HttpResponse, type DefaultBodyType, type StrictRequest } from "msw";
import { setupServer } from "msw/node";
import type { paths } from "../api/schema";

export const server = setupServer();

type Method = "get" | "post" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type SuccessBody<O> = O extends { responses: infer R }
  ? R extends Record<200, { content: { "application/json": infer B } }>
    ? B
    : R extends Record<201, { content: { "application/json": infer B } }>
      ? B
      : R extends Record<202, { content: { "application/json": infer B } }>
        ? B
        : never
  : never;

export const ORIGIN = "http://localhost:3000";

/** `/api/v1/knowledge/{entry_id}` → `/api/v1/knowledge/:entry_id`, on the test origin. */
function toMswPath(path: string): string {
  return ORIGIN + path.replace(/\{([^}]+)\}/g, ":$1");
}

export function mockApi<P extends keyof paths, M extends Method>(
  method: M,
  path: P,
  respond: (request: StrictRequest<DefaultBodyType>) => SuccessBody<Operation<P, M>> | Response | Promise<SuccessBody<Operation<P, M>> | Response>,
  { status = 200 }: { status?: number } = {},
): void {
  server.use(
    http[method](toMswPath(path as string), async ({ request }) => {
      const body = await respond(request);
      return body instanceof Response ? body : HttpResponse.json(body as never, { status, headers: { "X-Request-ID": "req-test" } });
    }),
  );
}

export function errorResponse(status: number, code: string, message: string, details: unknown = null): Response {
  return HttpResponse.json({ error: { message, code, details } }, { status, headers: { "X-Request-ID": "req-error-1" } });
}
