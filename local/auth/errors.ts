/**
 * GoTrue error responses.
 *
 * With `X-Supabase-Api-Version: 2024-01-01` (or later) errors are `{code, message}` and the version is
 * echoed; without it GoTrue's legacy shape `{code: <status>, error_code, msg}` is sent. Both carry
 * `x-sb-error-code`. weak_password errors add `weak_password: {reasons}`.
 */
import type { Context } from "hono";

export const API_VERSION_HEADER = "X-Supabase-Api-Version";
const API_VERSION_2024 = Date.UTC(2024, 0, 1);

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const unauthorized = (code: string, message: string) => new HttpError(401, code, message);
export const forbidden = (code: string, message: string) => new HttpError(403, code, message);
export const notFound = (code: string, message: string) => new HttpError(404, code, message);
export const unprocessable = (code: string, message: string) => new HttpError(422, code, message);
export const tooManyRequests = (code: string, message: string) => new HttpError(429, code, message);

export function weakPassword(message: string, reasons: string[]): HttpError {
  return new HttpError(422, "weak_password", message, { weak_password: { reasons } });
}

/** The closest API version GoTrue knows for the request header, or null (initial version). */
export function requestApiVersion(header: string | undefined | null): string | null {
  if (!header) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(header.trim());
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(t) || t < API_VERSION_2024) return null;
  return "2024-01-01";
}

/** Build the JSON error Response GoTrue would send for `err`. */
export function errorResponse(c: Context, err: HttpError): Response {
  const version = requestApiVersion(c.req.header(API_VERSION_HEADER));
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  const code = err.code || (err.status >= 500 ? "unexpected_failure" : "unknown");
  headers["x-sb-error-code"] = code;
  let body: Record<string, unknown>;
  if (version) {
    headers[API_VERSION_HEADER] = version;
    body = { code, message: err.message, ...err.extra };
  } else {
    body = { code: err.status, error_code: code, msg: err.message, ...err.extra };
  }
  return new Response(JSON.stringify(body), { status: err.status, headers });
}

export function unexpectedFailure(): HttpError {
  return new HttpError(500, "unexpected_failure", "Unexpected failure, please check server logs for more information");
}
