/**
 * Test support for the mail-flow and MFA integration tests, on top of local/auth/testing.ts
 * (fresh database on the system PostgreSQL, server and mail catcher on port 0): reading mail through the
 * catcher's JSON API, and real supabase-js clients with a chosen flow type and in-memory storage.
 */
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { CaughtMessage } from "@/local/mail";
import { startTestAuthServer, type TestAuthServer } from "@/local/auth/testing";

export type FlowTestServer = {
  auth: TestAuthServer["server"];
  siteUrl: string;
  /** Messages to `to`, newest first, via GET /api/messages?to= (waits up to `timeoutMs` for at least `min`). */
  mailTo(to: string, opts?: { min?: number; timeoutMs?: number }): Promise<CaughtMessage[]>;
  /** A supabase-js client (in-memory storage, no auto refresh). */
  client(opts?: { flowType?: "pkce" | "implicit" }): SupabaseClient;
  /** Admin client (secret key). */
  admin(): SupabaseClient;
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
};

export function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

export async function startFlowTestServer(env: Record<string, string> = {}): Promise<FlowTestServer> {
  const siteUrl = "http://localhost:3000";
  const t = await startTestAuthServer({
    mail: true,
    siteUrl,
    env: { GOTRUE_SITE_URL: siteUrl, GOTRUE_URI_ALLOW_LIST: "http://localhost:3000/**", GOTRUE_SMTP_MAX_FREQUENCY: "0", ...env },
  });
  const mail = t.mail!;

  const mailTo = async (to: string, opts: { min?: number; timeoutMs?: number } = {}) => {
    const min = opts.min ?? 1;
    const deadline = Date.now() + (opts.timeoutMs ?? 5000);
    for (;;) {
      const res = await fetch(`${mail.httpUrl}/api/messages?to=${encodeURIComponent(to)}`);
      const list = (await res.json()) as CaughtMessage[];
      if (list.length >= min || Date.now() > deadline) return list;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const client = (opts: { flowType?: "pkce" | "implicit" } = {}) =>
    createClient(t.url, t.publishableKey, {
      auth: { flowType: opts.flowType ?? "pkce", storage: memoryStorage(), persistSession: true, autoRefreshToken: false, detectSessionInUrl: false },
    });

  return {
    auth: t.server,
    siteUrl,
    mailTo,
    client,
    admin: () => t.adminClient(),
    async query(sql, params) {
      return (await t.db.query(sql, params)).rows;
    },
    stop: () => t.stop(),
  };
}

/** The first http(s) link in a mail's text part. */
export function firstLink(msg: CaughtMessage): string {
  const m = /https?:\/\/\S+/.exec(msg.text);
  if (!m) throw new Error("no link in mail");
  return m[0];
}

/** The 6-digit code in a mail's text part. */
export function mailCode(msg: CaughtMessage): string {
  const m = /code: (\d{6})\b/.exec(msg.text) ?? /^(\d{6})$/m.exec(msg.text);
  if (!m) throw new Error("no code in mail");
  return m[1]!;
}
