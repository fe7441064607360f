/**
 * Runs once when a Next.js server instance starts: validate configuration before serving anything. A bad or missing
 * variable prints one line naming it (with a hint) and stops the process — no stack trace.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs" && process.env.NEXT_PHASE !== "phase-production-build") {
    const { validateEnvOrExit } = await import("@/lib/startup");
    validateEnvOrExit();
    // issue 4: drain audit events queued by the Edge middleware into public.audit_logs every few seconds.
    const { startAuditDrain } = await import("@/lib/audit");
    startAuditDrain();
  }
}
