"use client";
/** Sessions list with revoke one / others / all, through the app's sessions API (issue 4, cookie credential). */
import { useRouter } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { Alert } from "@/components/alert";

type SessionInfo = { id: string; createdAt: string | null; lastActiveAt: string | null; device: string; ip: string | null; aal: string | null; current: boolean };

const when = (iso: string | null) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "—");

async function call(url: string, method: "POST" | "DELETE"): Promise<boolean> {
  const res = await fetch(url, { method, headers: { "content-type": "application/json" }, body: method === "POST" ? "{}" : undefined }).catch(() => null);
  return Boolean(res?.ok);
}

/** After "everywhere": finish with the normal sign-out POST (clears cookies, SSO cookie and site data). */
function signOutHere() {
  const form = document.createElement("form");
  form.method = "post";
  form.action = "/auth/sign-out";
  document.body.appendChild(form);
  form.submit();
}

export function SessionsSection() {
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const router = useRouter();

  const load = useCallback(async () => {
    const res = await fetch("/api/my/sessions", { cache: "no-store" }).catch(() => null);
    if (res?.status === 401) {
      router.replace("/login?next=%2Faccount");
      return;
    }
    if (!res?.ok) {
      setError("Your sessions could not be loaded.");
      return;
    }
    const body = (await res.json()) as { sessions: SessionInfo[] };
    setSessions(body.sessions);
  }, [router]);

  useEffect(() => {
    // Initial load (the setState happens asynchronously, after the fetch).
    void Promise.resolve().then(load);
  }, [load]);

  async function run(key: string, url: string, method: "POST" | "DELETE", done: string, after?: () => void) {
    setBusy(key);
    setError(null);
    setStatus(null);
    const ok = await call(url, method);
    setBusy(null);
    if (!ok) {
      setError("That did not work. Please try again.");
      return;
    }
    setStatus(done);
    if (after) after();
    else await load();
  }

  return (
    <section className="card" aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Where you are signed in</h2>
      <Alert tone="error">{error}</Alert>
      <Alert tone="success">{status}</Alert>
      {sessions === null && !error ? (
        <p role="status" aria-busy="true">
          Loading sessions…
        </p>
      ) : null}
      {sessions ? (
        <ul className="session-list" data-testid="sessions">
          {sessions.map((s) => (
            <li key={s.id} data-testid={s.current ? "session-current" : "session-other"}>
              <div>
                <strong>{s.device}</strong> {s.current ? <span className="badge">This device</span> : null}
                <div className="muted">
                  Signed in {when(s.createdAt)} · last active {when(s.lastActiveAt)} · IP {s.ip ?? "unknown"}
                  {s.aal === "aal2" ? " · two-step verified" : ""}
                </div>
              </div>
              {s.current ? null : (
                <button
                  type="button"
                  className="button secondary"
                  disabled={busy !== null}
                  aria-busy={busy === s.id || undefined}
                  onClick={() => run(s.id, `/api/my/sessions/${encodeURIComponent(s.id)}`, "DELETE", "The session was signed out.")}
                >
                  Sign out<span className="visually-hidden"> {s.device} from {when(s.createdAt)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="button-row">
        <button
          type="button"
          className="button secondary"
          disabled={busy !== null}
          aria-busy={busy === "others" || undefined}
          onClick={() => run("others", "/api/my/sessions/revoke-others", "POST", "All other sessions were signed out.")}
        >
          Sign out all other sessions
        </button>
        <button
          type="button"
          className="button danger"
          disabled={busy !== null}
          aria-busy={busy === "all" || undefined}
          onClick={() =>
            run("all", "/api/my/sessions/revoke-all", "POST", "Signed out everywhere.", signOutHere)
          }
        >
          Sign out everywhere
        </button>
      </div>
    </section>
  );
}
