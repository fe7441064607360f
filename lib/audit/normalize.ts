/**
 * Turns an AuditEventInput (or an untrusted row from the Redis queue) into a storable chain row: bounded lengths,
 * no NUL characters (PostgreSQL text/jsonb refuse them), UUID columns only when they are UUIDs, secrets redacted.
 * Edge-safe.
 */
import { redact } from "@/lib/logger";
import type { ChainRow } from "./chain";
import { isAuditEventName, type AuditEventInput } from "./types";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function text(value: unknown, max: number): string | null {
  if (value === null || value === undefined || value === "") return null;
  return String(value).replace(/\u0000/g, "").slice(0, max);
}

function stripNul(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\u0000/g, "");
  if (Array.isArray(value)) return value.map(stripNul);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [String(stripNul(k)), stripNul(v)]));
  return value;
}

export function normalizeAuditEvent(event: AuditEventInput): ChainRow {
  const details: Record<string, unknown> = { ...(event.details ?? {}) };
  const uuid = (name: string, v: unknown) => {
    if (v === null || v === undefined || v === "") return null;
    if (typeof v === "string" && UUID.test(v)) return v.toLowerCase();
    details[name] = text(v, 128);
    return null;
  };
  const occurred = event.occurredAt ? new Date(event.occurredAt) : new Date();
  const name = isAuditEventName(event.event) ? event.event : "sys_monitor";
  if (name !== event.event) details.unknownEvent = text(event.event, 64);
  const row: ChainRow = {
    occurredAt: (Number.isNaN(occurred.getTime()) ? new Date() : occurred).toISOString(),
    event: name,
    outcome: event.outcome === "success" || event.outcome === "failure" ? event.outcome : "info",
    actorUserId: uuid("actorUserIdRaw", event.actorUserId),
    sessionId: uuid("sessionIdRaw", event.sessionId),
    ip: text(event.ip, 64),
    userAgent: text(event.userAgent, 512),
    target: text(event.target, 512),
    details: {},
  };
  row.details = stripNul(redact(details)) as Record<string, unknown>;
  return row;
}

/** Parses a row that came back from the Redis queue (untrusted JSON). */
export function parseQueuedRow(value: unknown): ChainRow | null {
  const v = typeof value === "string" ? safeParse(value) : value;
  if (!v || typeof v !== "object") return null;
  const r = v as Record<string, unknown>;
  return normalizeAuditEvent({
    event: r.event as AuditEventInput["event"],
    outcome: r.outcome as AuditEventInput["outcome"],
    actorUserId: r.actorUserId as string | null,
    sessionId: r.sessionId as string | null,
    ip: r.ip as string | null,
    userAgent: r.userAgent as string | null,
    target: r.target as string | null,
    details: r.details && typeof r.details === "object" ? (r.details as Record<string, unknown>) : {},
    occurredAt: typeof r.occurredAt === "string" ? r.occurredAt : undefined,
  });
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}
