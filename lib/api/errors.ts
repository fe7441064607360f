/**
 * The ONE table that maps failures to HTTP. Route handlers throw/return typed errors; `errorResponse()` answers.
 * Every bearer failure gets the same 401 body and header (RFC 6750 §3.1 `invalid_token`), whatever the cause —
 * including malformed headers: we deliberately do not use RFC 6750's 400 `invalid_request` split, so a prober learns
 * nothing from the status. Unknown errors become a generic 500 with no detail.
 */
import { AUTH_ERROR_CODES, AuthError, type AuthErrorCode } from "@/lib/auth/errors";
import { logger } from "@/lib/logger";

export type ApiErrorCode = "blocked" | "forbidden_origin" | "forbidden" | "not_found" | "bad_request" | "unavailable" | "payload_too_large";

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly retryAfterSeconds?: number;
  constructor(code: ApiErrorCode, retryAfterSeconds?: number) {
    super(code);
    this.name = "ApiError";
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

type Entry = { status: number; body: Record<string, string>; headers?: Record<string, string> };

const INVALID_TOKEN: Entry = {
  status: 401,
  body: { error: "invalid_token" },
  headers: { "www-authenticate": 'Bearer error="invalid_token"' },
};

const TABLE: Record<ApiErrorCode, Entry> = {
  blocked: { status: 429, body: { error: "too_many_requests" } },
  forbidden_origin: { status: 403, body: { error: "forbidden" } },
  forbidden: { status: 403, body: { error: "forbidden" } },
  not_found: { status: 404, body: { error: "not_found" } },
  bad_request: { status: 400, body: { error: "invalid_request" } },
  payload_too_large: { status: 413, body: { error: "invalid_request" } },
  unavailable: { status: 503, body: { error: "temporarily_unavailable" }, headers: { "retry-after": "5" } },
};

const AUTH_TABLE: Record<AuthErrorCode, Entry> = Object.fromEntries(
  AUTH_ERROR_CODES.map((code) => [code, code === "verifier_unavailable" ? TABLE.unavailable : INVALID_TOKEN]),
) as Record<AuthErrorCode, Entry>;

export const NO_STORE = { "cache-control": "no-store" } as const;

export function jsonResponse(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", ...NO_STORE, ...init.headers },
  });
}

export function errorResponse(err: unknown): Response {
  let entry: Entry;
  let retryAfter: number | undefined;
  if (err instanceof AuthError) entry = AUTH_TABLE[err.code];
  else if (err instanceof ApiError) {
    entry = TABLE[err.code];
    retryAfter = err.retryAfterSeconds;
  } else {
    logger.error("unhandled error in route handler", { error: err });
    entry = { status: 500, body: { error: "internal_error" } };
  }
  const headers: Record<string, string> = { ...entry.headers };
  if (retryAfter !== undefined) headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfter)));
  return jsonResponse(entry.body, { status: entry.status, headers });
}

/** Wraps a route handler so every thrown error goes through the one table above. */
export function withErrorResponses<A extends unknown[]>(handler: (request: Request, ...rest: A) => Promise<Response>) {
  return async (request: Request, ...rest: A): Promise<Response> => {
    try {
      return await handler(request, ...rest);
    } catch (err) {
      return errorResponse(err);
    }
  };
}
