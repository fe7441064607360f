/**
 * Structured JSON-lines logger with redaction (edge-safe: console only).
 *
 * Never logs credentials (ASVS v5.0.0-16.2.5, 14.2.1): values under secret-bearing keys are replaced, JWT-looking
 * strings, `Bearer …` credentials, Supabase secret keys and the query/fragment of URLs are masked wherever they appear.
 * JSON encoding escapes control characters, so user input cannot forge log lines (16.4.1).
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const SECRET_KEYS = new Set([
  "authorization",
  "cookie",
  "set-cookie",
  "access_token",
  "refresh_token",
  "provider_token",
  "provider_refresh_token",
  "id_token",
  "token",
  "token_hash",
  "hashed_token",
  "code",
  "auth_code",
  "code_verifier",
  "nonce",
  "otp",
  "email_otp",
  "apikey",
  "api_key",
  "secret",
  "totp",
]);
const SECRET_KEY_PARTS = ["password", "secret", "private_key", "credential"];
const MAX_DEPTH = 6;
const MAX_STRING = 2000;

const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/=]+/gi;
const SUPABASE_KEY = /\bsb_(secret|publishable)_[A-Za-z0-9_-]+/g;
const URL_WITH_QUERY = /\b([a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>]*)[?#][^\s"'<>]*/gi;
const TOKEN_PARAM = /\b(access_token|refresh_token|token_hash|token|code|password)=[^&\s"']+/gi;

function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  return SECRET_KEYS.has(k) || SECRET_KEY_PARTS.some((part) => k.includes(part));
}

export function redactString(value: string): string {
  let out = value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  out = out
    .replace(URL_WITH_QUERY, "$1?[REDACTED]")
    .replace(JWT, "[JWT]")
    .replace(BEARER, "$1 [REDACTED]")
    .replace(SUPABASE_KEY, "sb_$1_[REDACTED]")
    .replace(TOKEN_PARAM, "$1=[REDACTED]");
  return out;
}

/** Deep copy of `value` with secrets masked. Safe on cycles, Errors, bigints and deep nesting. */
export function redact(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value === "number" || typeof value === "boolean" || value === undefined) return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value !== "object") return String(value);
  if (seen.has(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  seen.add(value);
  if (value instanceof Error) return { name: value.name, message: redactString(value.message) };
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? "[REDACTED]" : redact(v, depth + 1, seen);
  return out;
}

export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error" || level === "warn") console.error(line);
  else console.log(line);
};

let sink: LogSink = consoleSink;

/** Tests capture output by swapping the sink; returns the previous one. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

function write(level: LogLevel, msg: string, fields?: LogFields): void {
  const entry = { ts: new Date().toISOString(), level, msg: redactString(msg), ...(fields ? (redact(fields) as LogFields) : {}) };
  let line: string;
  try {
    line = JSON.stringify(entry);
  } catch {
    line = JSON.stringify({ ts: entry.ts, level, msg: entry.msg, note: "unserializable fields" });
  }
  sink(level, line);
}

export const logger = {
  debug: (msg: string, fields?: LogFields) => write("debug", msg, fields),
  info: (msg: string, fields?: LogFields) => write("info", msg, fields),
  warn: (msg: string, fields?: LogFields) => write("warn", msg, fields),
  error: (msg: string, fields?: LogFields) => write("error", msg, fields),
};
