/**
 * Audit event shape and names (edge-safe, no imports). Names follow the OWASP logging vocabulary
 * (cheatsheetseries.owasp.org Logging_Vocabulary_Cheat_Sheet), with `:`-free snake_case so they index well.
 */
export const AUDIT_EVENTS = [
  "authn_login_success",
  "authn_login_successafterfail",
  "authn_login_fail",
  "authn_login_fail_max",
  "authn_login_lock",
  "authn_login_unlock",
  "authn_password_change",
  "authn_password_change_fail",
  "authn_token_created",
  "authn_token_revoked",
  "authn_token_reuse",
  "authn_token_delete",
  "authz_fail",
  "authz_change",
  "authz_admin",
  "excess_rate_limit_exceeded",
  "input_validation_fail",
  "malicious_csp_violation",
  "malicious_attack_tool",
  "session_created",
  "session_renewed",
  "session_expired",
  "session_use_after_expire",
  "sys_monitor",
  "sys_crash",
  "user_created",
  "user_updated",
  "user_archived",
  "user_deleted",
] as const;

export type AuditEventName = (typeof AUDIT_EVENTS)[number];
export type AuditOutcome = "success" | "failure" | "info";

export interface AuditEventInput {
  event: AuditEventName;
  outcome: AuditOutcome;
  actorUserId?: string | null;
  sessionId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** What was acted on, e.g. "session:<id>", "ip:203.0.113.0", "account:alice@example.com". */
  target?: string | null;
  /** Never tokens or passwords: the logger redacts, and the writer redacts again before storing. */
  details?: Record<string, unknown>;
  /** Event time; defaults to when it was queued. */
  occurredAt?: Date | string;
}

export type AuditSink = (event: AuditEventInput) => void | Promise<void>;

export function isAuditEventName(value: unknown): value is AuditEventName {
  return typeof value === "string" && (AUDIT_EVENTS as readonly string[]).includes(value);
}
