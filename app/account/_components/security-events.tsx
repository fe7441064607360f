/**
 * The signed-in user's own recent security events from public.audit_logs, read server-side and filtered by the
 * verified `sub` (the table's RLS policy gives the same rows to the user's own Supabase session).
 */
import { db } from "@/lib/db";

type Row = { occurred_at: Date; event: string; outcome: string; ip: string | null; user_agent: string | null };

const LABELS: Record<string, string> = {
  authn_login_success: "Signed in",
  authn_login_successafterfail: "Signed in after failed attempts",
  authn_login_fail: "Failed sign-in",
  authn_login_fail_max: "Too many failed sign-ins",
  authn_login_lock: "Sign-in temporarily blocked",
  authn_password_change: "Password changed",
  authn_password_change_fail: "Password change failed",
  authn_token_revoked: "Sessions signed out",
  authn_token_reuse: "Suspicious token reuse",
  authz_fail: "Access denied",
  excess_rate_limit_exceeded: "Rate limit reached",
  session_created: "New session",
  user_updated: "Account updated",
};

export async function loadSecurityEvents(userId: string, limit = 20): Promise<Row[] | null> {
  try {
    const { rows } = await db().query<Row>(
      `select occurred_at, event, outcome, ip, user_agent from public.audit_logs
        where actor_user_id = $1 order by occurred_at desc, id desc limit $2`,
      [userId, limit],
    );
    return rows;
  } catch {
    return null;
  }
}

export async function SecurityEventsSection({ userId }: { userId: string }) {
  const rows = await loadSecurityEvents(userId);
  return (
    <section className="card" aria-labelledby="events-heading">
      <h2 id="events-heading">Recent security activity</h2>
      {rows === null ? (
        <p className="muted">Security activity is not available right now.</p>
      ) : rows.length === 0 ? (
        <p className="muted">No security events yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table" data-testid="security-events">
            <caption className="visually-hidden">Your most recent security events</caption>
            <thead>
              <tr>
                <th scope="col">When (UTC)</th>
                <th scope="col">Event</th>
                <th scope="col">Result</th>
                <th scope="col">IP address</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i}>
                  <td>{new Date(r.occurred_at).toISOString().replace("T", " ").slice(0, 19)}</td>
                  <td>{LABELS[r.event] ?? r.event.replace(/_/g, " ")}</td>
                  <td>{r.outcome}</td>
                  <td>{r.ip ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
