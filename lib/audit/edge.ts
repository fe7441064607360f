/** Edge-safe entry point: `queueAuditEventFromEdge(event)` for middleware and other Edge code. */
import { redis } from "@/lib/redis";
import { queueAuditEvent } from "./queue";
import type { AuditEventInput } from "./types";

export function queueAuditEventFromEdge(event: AuditEventInput): Promise<void> {
  let client;
  try {
    client = redis();
  } catch {
    return queueAuditEvent({ rpush: () => Promise.reject(new Error("redis not configured")) } as never, event);
  }
  return queueAuditEvent(client, event);
}
