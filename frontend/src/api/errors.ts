// One way to read the API's answers: `unwrap` returns the envelope's `data` or throws a typed ApiError.
// Every error carries the request id the API put on the response, so a user can quote it to support.
import type { components } from "./schema";

export type Pagination = components["schemas"]["PaginationMeta"];

export interface ErrorDetail {
  field?: string | null;
  message: string;
  type?: string;
}

interface ErrorInit {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  requestId?: string | null;
  retryAfter?: number | null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly requestId: string | null;
  readonly retryAfter: number | null;

  constructor(init: ErrorInit) {
    super(init.message);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }

  /** A server or network failure: trying again may help. */
  get retryable(): boolean {
    return this.status === 0 || this.status >= 500 || this.status === 429;
  }
}

export class UnauthorizedError extends ApiError {}
export class ForbiddenError extends ApiError {}
export class NotFoundError extends ApiError {}
export class ConflictError extends ApiError {}
export class ValidationError extends ApiError {
  /** The `details` items, each naming the field it is about (when it names one). */
  get fieldErrors(): ErrorDetail[] {
    return Array.isArray(this.details)
      ? this.details.filter((d): d is ErrorDetail => typeof d === "object" && d !== null && "message" in d)
      : [];
  }
}
export class RateLimitedError extends ApiError {}
export class ServerError extends ApiError {}
/** The API could not be reached at all (offline, DNS, the server down). */
export class NetworkError extends ApiError {}

const BY_STATUS: Record<number, typeof ApiError> = {
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  422: ValidationError,
  429: RateLimitedError,
};

function isEnvelopeError(body: unknown): body is { error: { message: string; code: string; details?: unknown } } {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === "object" && error !== null && "message" in error && "code" in error;
}

/** The typed error for a failed response, from the error envelope when the API sent one. */
export function errorFromResponse(response: Response, body: unknown): ApiError {
  const retryAfter = Number(response.headers.get("Retry-After"));
  const init: ErrorInit = {
    status: response.status,
    code: "http_error",
    message: response.statusText || `Request failed with status ${response.status}.`,
    requestId: response.headers.get("X-Request-ID"),
    retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  };
  if (isEnvelopeError(body)) {
    Object.assign(init, { code: body.error.code, message: body.error.message, details: body.error.details });
  }
  const Kind = BY_STATUS[response.status] ?? (response.status >= 500 ? ServerError : ApiError);
  return new Kind(init);
}

export function networkError(cause: unknown): NetworkError {
  const error = new NetworkError({
    status: 0,
    code: "network_error",
    message: "The server could not be reached. Check your connection and try again.",
  });
  error.cause = cause;
  return error;
}

interface FetchResult<E> {
  data?: E;
  error?: unknown;
  response: Response;
}

async function settle<E>(request: Promise<FetchResult<E>>): Promise<E> {
  let result: FetchResult<E>;
  try {
    result = await request;
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw networkError(cause);
  }
  if (!result.response.ok || result.data === undefined) throw errorFromResponse(result.response, result.error);
  return result.data;
}

/** The envelope's `data`, or a typed ApiError. */
export async function unwrap<T>(request: Promise<FetchResult<{ data: T }>>): Promise<T> {
  return (await settle(request)).data;
}

/** For answers whose envelope carries no data (a delete, a logout). */
export async function unwrapEmpty(request: Promise<FetchResult<object>>): Promise<void> {
  await settle(request);
}

/** A page of a list: its items and the pagination the API reported. */
export async function unwrapPage<T>(
  request: Promise<FetchResult<{ data: T[]; meta: { pagination: Pagination } }>>,
): Promise<{ items: T[]; pagination: Pagination }> {
  const envelope = await settle(request);
  return { items: envelope.data, pagination: envelope.meta.pagination };
}

/** The envelope's message and data, for mutations whose message the user should read. */
export async function unwrapWithMessage<T>(
  request: Promise<FetchResult<{ data: T; message?: string | null }>>,
): Promise<{ data: T; message: string | null }> {
  const envelope = await settle(request);
  return { data: envelope.data, message: envelope.message ?? null };
}
