/**
 * Test support for the mail-flow and MFA integration tests: an auth server on a fresh database of the system
 * PostgreSQL (or DATABASE_URL's server) with its own mail catcher, both on port 0, plus helpers to read mail
 * through the catcher's JSON API and to build real supabase-js clients against the server.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import pg from "pg";
import { startMailCatcher, type CaughtMessage, type MailCatcher } from "@/local/mail";
import { startAuthServer, type AuthServer } from "@/local/auth";

export type FlowTestServer = {
  auth: AuthServer;
  mail: MailCatcher;
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

function adminUrl(): string {
  const base = process.env.H2_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  return base;
}

export function memoryStorage() {
  const m = new Map<string, string>();
  return {
    getItem: (k: string) => m.get(k) ?? null,
    setItem: (k: string, v: string) => void m.set(k, v),
    removeItem: (k: string) => void m.delete(k),
  };
}

export async function startFlowTestServer(env: Record<string, string> = {}): Promise<FlowTestServer> {
  const dbName = `h2_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const u = new URL(adminUrl());
  u.pathname = `/${dbName}`;
  const databaseUrl = u.toString();
  const dataDir = mkdtempSync(join(tmpdir(), "h2-auth-"));
  const siteUrl = "http://localhost:3000";
  const mail = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
  const auth = await startAuthServer({
    port: 0,
    databaseUrl,
    smtp: { host: "127.0.0.1", port: mail.smtpPort },
    siteUrl,
    dataDir,
    env: {
      GOTRUE_SITE_URL: siteUrl,
      GOTRUE_URI_ALLOW_LIST: "http://localhost:3000/**",
      GOTRUE_SMTP_MAX_FREQUENCY: "0",
      ...env,
    },
  });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const clients: SupabaseClient[] = [];

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

  const client = (opts: { flowType?: "pkce" | "implicit" } = {}) => {
    const c = createClient(auth.url, auth.publishableKey, {
      auth: {
        flowType: opts.flowType ?? "pkce",
        storage: memoryStorage(),
        persistSession: true,
        autoRefreshToken: false,
        detectSessionInUrl: false,
      },
    });
    clients.push(c);
    return c;
  };

  return {
    auth,
    mail,
    siteUrl,
    mailTo,
    client,
    admin: () =>
      createClient(auth.url, auth.secretKey, { auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false } }),
    async query(sql, params) {
      return (await pool.query(sql, params)).rows;
    },
    async stop() {
      for (const c of clients) await c.auth.stopAutoRefresh().catch(() => undefined);
      await pool.end();
      await auth.stop();
      await mail.stop();
      const a = new pg.Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`drop database if exists ${dbName} with (force)`);
      await a.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
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
