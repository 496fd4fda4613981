import { describe, expect, it } from "vitest";
import { NotFoundError, RateLimitedError, ServerError, UnauthorizedError } from "../api/errors";
import { loginPath, retryDelay, shouldRetry } from "./queryClient";

const init = (status: number) => ({ status, code: "x", message: "x" });

describe("the retry policy", () => {
  it("never retries a 4xx other than 429", () => {
    expect(shouldRetry(0, new NotFoundError(init(404)))).toBe(false);
    expect(shouldRetry(0, new UnauthorizedError(init(401)))).toBe(false);
  });

  it("retries server errors and rate limits twice, waiting out Retry-After", () => {
    expect(shouldRetry(0, new ServerError(init(500)))).toBe(true);
    expect(shouldRetry(1, new RateLimitedError(init(429)))).toBe(true);
    expect(shouldRetry(2, new ServerError(init(500)))).toBe(false);
    expect(retryDelay(0, new RateLimitedError({ ...init(429), retryAfter: 5 }))).toBe(5000);
  });
});

describe("loginPath", () => {
  it("comes back to the page, query included", () => {
    expect(loginPath({ pathname: "/command-center/outbox", search: "?channel=sms" })).toBe(
      "/login?next=%2Fcommand-center%2Foutbox%3Fchannel%3Dsms",
    );
    expect(loginPath({ pathname: "/login", search: "?next=/x" })).toBe("/login");
  });
});
