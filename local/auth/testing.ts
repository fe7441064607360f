/**
 * Self-contained test harness for local/auth integration tests:
 *   const t = await startTestAuthServer({ env: { GOTRUE_MAILER_AUTOCONFIRM: "false" }, mail: true });
 *   const supabase = t.client();           // real @supabase/supabase-js, publishable key, no persistence
 *   const admin = t.adminClient();         // secret key
 *   await t.db.query("select … from auth.sessions");
 *   await t.stop();                        // stops server + mail catcher, drops the database
 * Each call creates a fresh database on the system PostgreSQL (TEST_PG_URL, default postgres://postgres@127.0.0.1:5432)
 * and starts the server on a free port with a throwaway key directory.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Pool } from "pg";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { startMailCatcher, type MailCatcher } from "../mail";
import { startAuthServer, type AuthServer } from "./index";

export interface TestAuthServer {
  server: AuthServer;
  url: string;
  publishableKey: string;
  secretKey: string;
  /** pool on the test database, for assertions on auth.* rows */
  db: Pool;
  databaseUrl: string;
  mail: MailCatcher | null;
  /** supabase-js client with the publishable key (no session persistence, no auto refresh) */
  client(opts?: { fetch?: typeof fetch; headers?: Record<string, string> }): SupabaseClient;
  /** supabase-js client with the secret key, for `auth.admin.*` */
  adminClient(): SupabaseClient;
  stop(): Promise<void>;
}

export async function startTestAuthServer(opts: { env?: Record<string, string>; mail?: boolean; siteUrl?: string } = {}): Promise<TestAuthServer> {
  const base = (process.env.TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432").replace(/\/+$/, "");
  const dbName = `local_auth_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const adminPool = new Pool({ connectionString: `${base}/postgres`, max: 1 });
  await adminPool.query(`create database ${dbName}`);
  await adminPool.end();
  const databaseUrl = `${base}/${dbName}`;
  const dataDir = await mkdtemp(path.join(tmpdir(), "local-auth-test-"));

  let mail: MailCatcher | null = null;
  let server: AuthServer | null = null;
  let db: Pool | null = null;
  const cleanup = async () => {
    await server?.stop().catch(() => undefined);
    await mail?.stop().catch(() => undefined);
    await db?.end().catch(() => undefined);
    const p = new Pool({ connectionString: `${base}/postgres`, max: 1 });
    await p.query(`drop database if exists ${dbName} with (force)`).catch(() => undefined);
    await p.end().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    if (opts.mail) mail = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
    server = await startAuthServer({
      port: 0,
      databaseUrl,
      smtp: { host: "127.0.0.1", port: mail?.smtpPort ?? 1 },
      siteUrl: opts.siteUrl ?? "http://localhost:3000",
      env: opts.env ?? {},
      dataDir,
    });
    db = new Pool({ connectionString: databaseUrl, max: 4 });
    // cleanup drops the database WITH (FORCE); errors from connections it terminates are expected, not crashes
    db.on("error", () => undefined);
    db.on("connect", (client) => client.on("error", () => undefined));
  } catch (err) {
    await cleanup();
    throw err;
  }
  const s = server;
  const make = (key: string, o?: { fetch?: typeof fetch; headers?: Record<string, string> }) =>
    createClient(s.url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: { ...(o?.fetch ? { fetch: o.fetch } : {}), headers: o?.headers ?? {} },
    });
  return {
    server: s,
    url: s.url,
    publishableKey: s.publishableKey,
    secretKey: s.secretKey,
    db: db!,
    databaseUrl,
    mail,
    client: (o) => make(s.publishableKey, o),
    adminClient: () => make(s.secretKey),
    stop: cleanup,
  };
}
