/**
 * POST /api/security-events — client security log entries (lib/tokenSecurity) and CSP violation reports. POST only;
 * 30/min per IP is enforced by the middleware (policy `security_events`). Answers 204; bad input → 400/413/415.
 */
import { NextResponse } from "next/server";
import { auditEvent } from "@/lib/audit";
import { serverEnv } from "@/lib/env";
import { clientIp } from "@/lib/security/client-ip";
import { MAX_BODY_BYTES, parseSecurityEvents } from "./parse";

export const dynamic = "force-dynamic";

const NO_STORE = { "Cache-Control": "no-store" } as const;
const fail = (status: number, error: string, message: string) => NextResponse.json({ error, message }, { status, headers: NO_STORE });

async function readCapped(request: Request): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

export async function POST(request: Request): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return fail(413, "payload_too_large", "Body too large.");
  let text: string | null;
  try {
    text = await readCapped(request);
  } catch {
    return fail(400, "invalid_request", "Unreadable body.");
  }
  if (text === null) return fail(413, "payload_too_large", "Body too large.");

  const env = serverEnv();
  const result = parseSecurityEvents(request.headers.get("content-type") ?? "", text, {
    ip: clientIp(request, { trustedProxyHops: env.TRUSTED_PROXY_HOPS }),
    userAgent: request.headers.get("user-agent")?.slice(0, 512) ?? null,
  });
  if (!result.ok) return fail(result.status, result.status === 415 ? "unsupported_media_type" : "invalid_request", result.message);
  for (const event of result.events) auditEvent(event);
  return new NextResponse(null, { status: 204, headers: NO_STORE });
}
