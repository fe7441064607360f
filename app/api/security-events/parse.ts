/**
 * Parsing for POST /api/security-events: the client security log of lib/tokenSecurity (application/json) and
 * browser CSP reports (legacy `application/csp-report` and Reporting API `application/reports+json`). Everything is
 * zod-validated, lengths are capped, and every URL is reduced to origin + path (no query, no fragment: a token in a
 * reported URL never reaches the audit log). Client-reported data is marked as such — it is evidence, not truth.
 */
import { z } from "zod";
import type { AuditEventInput, AuditEventName } from "@/lib/audit/types";
import { TOKEN_SOURCES, TOKEN_TYPES, redactUrl } from "@/lib/tokenSecurity";

export const MAX_BODY_BYTES = 16 * 1024;
const MAX_REPORTS = 20;

const str = (max: number) => z.string().max(max);
const ERROR_CODES = [
  "missing_token", "ambiguous_token", "invalid_length", "invalid_format", "token_expired", "token_too_old", "invalid_email",
  "missing_email", "invalid_type", "missing_type", "rate_limited", "link_expired", "processing_failed",
] as const;

const tokenEntry = z.strictObject({
  kind: z.literal("token_operation"),
  timestamp: z.iso.datetime().optional(),
  operation: z.string().regex(/^[a-z0-9_]{1,64}$/),
  success: z.boolean(),
  source: z.enum([...TOKEN_SOURCES, "auth_events", "server"]).nullable(),
  hasEmail: z.boolean(),
  type: z.enum(TOKEN_TYPES).nullable(),
  errorCode: z.enum(ERROR_CODES).optional(),
  url: str(512).optional(),
});

const cspBody = z.looseObject({
  "document-uri": str(2048).optional(),
  documentURL: str(2048).optional(),
  "blocked-uri": str(2048).optional(),
  blockedURL: str(2048).optional(),
  "violated-directive": str(256).optional(),
  "effective-directive": str(256).optional(),
  effectiveDirective: str(256).optional(),
  disposition: str(32).optional(),
  "source-file": str(2048).optional(),
  sourceFile: str(2048).optional(),
  "line-number": z.number().int().optional(),
  lineNumber: z.number().int().optional(),
});

const legacyCsp = z.object({ "csp-report": cspBody });
const reportingApi = z
  .array(z.looseObject({ type: str(64), url: str(2048).optional(), body: z.unknown() }))
  .max(MAX_REPORTS);

/** Keeps scheme + host + path for URLs; keywords such as `inline` / `eval` pass through (short, no secrets). */
function safeUri(value: string | undefined): string | undefined {
  if (!value) return undefined;
  if (/^[a-z-]{1,32}$/i.test(value)) return value;
  return redactUrl(value) ?? "[unparsable]";
}

function cspEvent(b: z.infer<typeof cspBody>, base: Omit<AuditEventInput, "event" | "outcome">): AuditEventInput {
  return {
    ...base,
    event: "malicious_csp_violation",
    outcome: "failure",
    target: safeUri(b["document-uri"] ?? b.documentURL) ?? null,
    details: {
      client_reported: true,
      blocked: safeUri(b["blocked-uri"] ?? b.blockedURL),
      directive: (b["effective-directive"] ?? b.effectiveDirective ?? b["violated-directive"])?.slice(0, 64),
      disposition: b.disposition,
      source: safeUri(b["source-file"] ?? b.sourceFile),
      line: b["line-number"] ?? b.lineNumber,
    },
  };
}

function tokenEventName(e: z.infer<typeof tokenEntry>): AuditEventName {
  if (e.success) return "sys_monitor";
  if (e.errorCode === "rate_limited") return "excess_rate_limit_exceeded";
  if (e.errorCode && ["ambiguous_token", "invalid_length", "invalid_format", "invalid_email", "invalid_type"].includes(e.errorCode)) return "input_validation_fail";
  return "sys_monitor";
}

export type ParseResult = { ok: true; events: AuditEventInput[] } | { ok: false; status: 400 | 415; message: string };

export function parseSecurityEvents(contentType: string, text: string, base: Omit<AuditEventInput, "event" | "outcome">): ParseResult {
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (!["application/csp-report", "application/reports+json", "application/json"].includes(type)) {
    return { ok: false, status: 415, message: "Unsupported content type." };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, message: "Body must be JSON." };
  }
  if (type === "application/csp-report") {
    const r = legacyCsp.safeParse(json);
    return r.success ? { ok: true, events: [cspEvent(r.data["csp-report"], base)] } : { ok: false, status: 400, message: "Invalid CSP report." };
  }
  if (type === "application/reports+json") {
    const r = reportingApi.safeParse(json);
    if (!r.success) return { ok: false, status: 400, message: "Invalid report list." };
    const events: AuditEventInput[] = [];
    for (const report of r.data) {
      if (report.type !== "csp-violation") continue;
      const body = cspBody.safeParse(report.body);
      if (body.success) events.push(cspEvent(body.data, base));
    }
    return { ok: true, events };
  }
  if (type === "application/json") {
    const r = tokenEntry.safeParse(json);
    if (!r.success) return { ok: false, status: 400, message: "Invalid security event." };
    const e = r.data;
    return {
      ok: true,
      events: [
        {
          ...base,
          event: tokenEventName(e),
          outcome: e.success ? "success" : "failure",
          target: e.url ? (redactUrl(e.url) ?? null) : null,
          details: { client_reported: true, operation: e.operation, source: e.source, has_email: e.hasEmail, type: e.type, error_code: e.errorCode },
        },
      ],
    };
  }
  return { ok: false, status: 415, message: "Unsupported content type." };
}
