import { describe, expect, it } from "vitest";
import { mockApi, errorResponse } from "../test/msw";
import { api } from "./client";
import {
  ApiError,
  errorFromResponse,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitedError,
  ServerError,
  UnauthorizedError,
  unwrap,
  unwrapPage,
  ValidationError,
} from "./errors";
import { server } from "../test/msw";
import { http, HttpResponse } from "msw";

function envelope(status: number, code: string, details: unknown = null, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify({ error: { message: `failed with ${status}`, code, details } }), {
    status,
    headers: { "X-Request-ID": "req-123", ...headers },
  });
}

describe("errorFromResponse", () => {
  it.each([
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [422, ValidationError],
    [429, RateLimitedError],
    [500, ServerError],
    [503, ServerError],
  ])("maps %i to its own error class, with the envelope and the request id", async (status, Kind) => {
    const response = envelope(status, "some_code");
    const error = errorFromResponse(response, await response.clone().json());
    expect(error).toBeInstanceOf(Kind);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe(`failed with ${status}`);
    expect(error.code).toBe("some_code");
    expect(error.requestId).toBe("req-123");
  });

  it("reads Retry-After on a 429 and calls it retryable", () => {
    const error = errorFromResponse(envelope(429, "rate_limited", null, { "Retry-After": "7" }), null);
    expect(error.retryAfter).toBe(7);
    expect(error.retryable).toBe(true);
  });

  it("keeps a 422's details for the form", async () => {
    const details = [{ field: "body.title", message: "Field required", type: "missing" }];
    const response = envelope(422, "validation_error", details);
    const error = errorFromResponse(response, await response.clone().json());
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors).toEqual(details);
    expect(error.retryable).toBe(false);
  });

  it("copes with a body that is no envelope (a proxy's error page)", () => {
    const error = errorFromResponse(new Response("<html>bad gateway</html>", { status: 502, statusText: "Bad Gateway" }), "<html>");
    expect(error).toBeInstanceOf(ServerError);
    expect(error.message).toBe("Bad Gateway");
    expect(error.requestId).toBeNull();
  });
});

describe("unwrap through the real client", () => {
  it("returns the envelope's data and sends a request id and the bearer token", async () => {
    window.localStorage.setItem("fibonacco.token", "fib_secret");
    let seen = new Headers();
    mockApi("get", "/api/v1/queue/stats", (request) => {
      seen = request.headers;
      return { data: [{ queue: "default", waiting: 1, delayed: 0, in_flight: 0, failed: 2 }], message: null, meta: null };
    });
    const stats = await unwrap(api.GET("/api/v1/queue/stats"));
    expect(stats).toEqual([{ queue: "default", waiting: 1, delayed: 0, in_flight: 0, failed: 2 }]);
    expect(seen.get("Authorization")).toBe("Bearer fib_secret");
    expect(seen.get("X-Request-ID")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("returns a page with its pagination", async () => {
    mockApi("get", "/api/v1/users", () => ({
      data: [],
      message: null,
      meta: { pagination: { page: 2, per_page: 20, total: 21, total_pages: 2 } },
    }));
    const page = await unwrapPage(api.GET("/api/v1/users", { params: { query: { page: 2 } } }));
    expect(page.pagination.total).toBe(21);
  });

  it("throws the typed error of an error envelope", async () => {
    mockApi("get", "/api/v1/queue/stats", () => errorResponse(403, "forbidden", "This action needs the admin role or higher."));
    const failure = unwrap(api.GET("/api/v1/queue/stats"));
    await expect(failure).rejects.toBeInstanceOf(ForbiddenError);
    await expect(failure).rejects.toMatchObject({ requestId: "req-error-1", message: "This action needs the admin role or higher." });
  });

  it("turns an unreachable server into a retryable NetworkError", async () => {
    server.use(http.get("http://localhost:3000/api/v1/queue/stats", () => HttpResponse.error()));
    const failure = unwrap(api.GET("/api/v1/queue/stats"));
    await expect(failure).rejects.toBeInstanceOf(NetworkError);
    await expect(failure).rejects.toMatchObject({ status: 0, retryable: true });
  });
});
