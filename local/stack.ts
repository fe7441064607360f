/**
 * One launcher for the local stand-ins: embedded PostgreSQL (unless DATABASE_URL), mail catcher, Upstash REST
 * endpoint (over REDIS_URL / redis-server / in-process store) and the GoTrue-compatible auth server; then the app's
 * migrations (supabase/migrations). Used by `npm run local` (local/cli.ts), `npm run dev` and the integration tests.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startMailCatcher } from "./mail";
import { startPostgres } from "./postgres";
import { applyMigrations, ensureSupabaseRoles } from "./postgres/migrations";
import { assertPortFree, parsePortOffset, portWithOffset } from "./ports";
import { startUpstash } from "./upstash";

export const BASE_PORTS = { auth: 54321, db: 54322, mailUi: 54324, smtp: 54325, upstash: 8079, app: 3000 } as const;
export const DEFAULT_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const DEFAULT_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
export const DEFAULT_UPSTASH_TOKEN = "local_upstash_token_not_secret";
export const DEFAULT_MAIL_FROM = "MindRoom Security <security@localhost>";

export type LocalStackOptions = {
  /** Added to every port (default LOCAL_PORT_OFFSET, else 0). */
  portOffset?: number;
  /** Where services keep data (default `.local/`). */
  dataDir?: string;
  log?: (line: string) => void;
  /** The app's public URL (default http://localhost:<3000+offset>). */
  siteUrl?: string;
  /** Use this database instead of starting the embedded one (default DATABASE_URL). */
  databaseUrl?: string;
  /** Redis the Upstash endpoint should use first (default REDIS_URL, else redis://127.0.0.1:6379). */
  redisUrl?: string;
  upstashToken?: string;
  /** Throwaway data (tests): no fsync, no persistence for a spawned redis-server. */
  ephemeral?: boolean;
  /** Start without the auth server (for tests of the other stand-ins). */
  skipAuth?: boolean;
  /** Extra GOTRUE_* settings for the auth server. */
  authEnv?: Record<string, string>;
  /** Directory of the app's SQL migrations (default supabase/migrations). */
  migrationsDir?: string;
};

export type StackEnv = {
  NEXT_PUBLIC_SUPABASE_URL: string;
  NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: string;
  SUPABASE_SECRET_KEY: string;
  DATABASE_URL: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  NEXT_PUBLIC_SITE_URL: string;
  SMTP_URL: string;
  MAIL_FROM: string;
  ALLOWED_HOSTS: string;
  ALLOWED_ORIGINS: string;
  /** Not an app variable: the mail catcher's API (tests read mail there). */
  LOCAL_MAIL_URL: string;
};

export type LocalStack = {
  env: StackEnv;
  urls: { auth: string; mailUi: string; upstash: string; db: string; app: string };
  upstashBackend: "redis" | "redis-server" | "memory";
  stop(): Promise<void>;
};

type AuthServer = {
  url: string;
  publishableKey: string;
  secretKey: string;
  anonKey?: string;
  serviceRoleKey?: string;
  stop(): Promise<void>;
};
type AuthModule = {
  startAuthServer(opts: {
    port: number;
    databaseUrl: string;
    smtp: { host: string; port: number };
    siteUrl: string;
    env?: Record<string, string>;
  }): Promise<AuthServer>;
};

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

async function loadAuthModule(): Promise<AuthModule> {
  const file = fileURLToPath(new URL("./auth/index.ts", import.meta.url));
  if (!existsSync(file)) throw new Error("the local auth server (local/auth/index.ts) is not available in this checkout");
  const mod = (await import(/* @vite-ignore */ file)) as Partial<AuthModule>;
  if (typeof mod.startAuthServer !== "function") throw new Error("local/auth/index.ts does not export startAuthServer");
  return mod as AuthModule;
}

/** postgres://user:***@host/db for display. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)}s`;
}

export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const offset = opts.portOffset ?? parsePortOffset(process.env.LOCAL_PORT_OFFSET);
  const ports = Object.fromEntries(Object.entries(BASE_PORTS).map(([k, v]) => [k, portWithOffset(v, offset)])) as Record<
    keyof typeof BASE_PORTS,
    number
  >;
  const dataDir = resolve(opts.dataDir ?? resolve(repoRoot, ".local"));
  const externalDb = opts.databaseUrl ?? process.env.DATABASE_URL;
  const siteUrl = (opts.siteUrl ?? `http://localhost:${ports.app}`).replace(/\/$/, "");
  const upstashToken = opts.upstashToken ?? DEFAULT_UPSTASH_TOKEN;

  // Refuse before starting anything when a port is taken.
  const needed: [number, string][] = [
    [ports.mailUi, "mail catcher web UI"],
    [ports.smtp, "mail catcher SMTP"],
    [ports.upstash, "Upstash REST"],
  ];
  if (!externalDb) needed.push([ports.db, "PostgreSQL"]);
  if (!opts.skipAuth) needed.push([ports.auth, "auth server"]);
  for (const [port, what] of needed) await assertPortFree(port, what);

  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) {
      try {
        await s.stop();
      } catch (err) {
        log(`! stopping ${s.name} failed: ${(err as Error).message}`);
      }
    }
  };
  const step = async <T>(name: string, run: () => Promise<T>, detail?: (v: T) => string): Promise<T> => {
    const t0 = performance.now();
    log(`◌ starting ${name}…`);
    const value = await run();
    log(`✓ ${name} ${seconds(t0)}${detail ? ` — ${detail(value)}` : ""}`);
    return value;
  };

  try {
    const [db, mail, upstash] = await Promise.all([
      externalDb
        ? Promise.resolve({ url: externalDb, stop: async () => undefined, external: true })
        : step("PostgreSQL", () => startPostgres({ port: ports.db, dataDir: resolve(dataDir, "postgres"), ephemeral: opts.ephemeral ?? false }), (p) =>
            p.initialised ? "new cluster" : "existing cluster",
          ).then((p) => {
            stops.push({ name: "PostgreSQL", stop: p.stop });
            return { ...p, external: false };
          }),
      step("mail catcher", () => startMailCatcher({ smtpPort: ports.smtp, httpPort: ports.mailUi })).then((m) => {
        stops.push({ name: "mail catcher", stop: m.stop });
        return m;
      }),
      step(
        "Upstash REST",
        () =>
          startUpstash({
            port: ports.upstash,
            token: upstashToken,
            dataDir: resolve(dataDir, "upstash"),
            ephemeral: opts.ephemeral ?? false,
            ...((opts.redisUrl ?? process.env.REDIS_URL) ? { redisUrl: (opts.redisUrl ?? process.env.REDIS_URL)! } : {}),
          }),
        (u) => `backend: ${u.backendDescription}`,
      ).then((u) => {
        stops.push({ name: "Upstash REST", stop: u.stop });
        return u;
      }),
    ]);
    if (db.external) log(`• using DATABASE_URL ${redactUrl(db.url)}`);

    const created = await ensureSupabaseRoles(db.url);
    if (created.length) log(`• created roles ${created.join(", ")}`);

    let auth: AuthServer | null = null;
    if (!opts.skipAuth) {
      auth = await step("auth server", async () => {
        const mod = await loadAuthModule();
        return mod.startAuthServer({
          port: ports.auth,
          databaseUrl: db.url,
          smtp: { host: "127.0.0.1", port: mail.smtpPort },
          siteUrl,
          env: { GOTRUE_SMTP_ADMIN_EMAIL: "auth@localhost", ...opts.authEnv },
        });
      });
      stops.push({ name: "auth server", stop: auth.stop });
    }

    const migrationsDir = opts.migrationsDir ?? resolve(repoRoot, "supabase/migrations");
    const applied = await applyMigrations(db.url, migrationsDir);
    if (applied.length) log(`✓ applied ${applied.length} migration(s): ${applied.map((m) => m.version).join(", ")}`);

    const authUrl = auth?.url.replace(/\/auth\/v1\/?$/, "").replace(/\/$/, "") ?? `http://127.0.0.1:${ports.auth}`;
    const env: StackEnv = {
      NEXT_PUBLIC_SUPABASE_URL: authUrl,
      NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY: auth?.publishableKey ?? DEFAULT_PUBLISHABLE_KEY,
      SUPABASE_SECRET_KEY: auth?.secretKey ?? DEFAULT_SECRET_KEY,
      DATABASE_URL: db.url,
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      NEXT_PUBLIC_SITE_URL: siteUrl,
      SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
      MAIL_FROM: DEFAULT_MAIL_FROM,
      ALLOWED_HOSTS: [...new Set([new URL(siteUrl).host, `localhost:${ports.app}`, `127.0.0.1:${ports.app}`])].join(","),
      ALLOWED_ORIGINS: [...new Set([siteUrl, `http://localhost:${ports.app}`, `http://127.0.0.1:${ports.app}`])].join(","),
      LOCAL_MAIL_URL: mail.httpUrl,
    };
    const urls = { auth: `${authUrl}/auth/v1`, mailUi: mail.httpUrl, upstash: upstash.url, db: db.url, app: siteUrl };

    log("");
    log(`  Auth       ${auth ? urls.auth : "(not started)"}`);
    log(`  Database   ${redactUrl(db.url)}${db.external ? "" : " (password: postgres)"}`);
    log(`  Mail UI    ${mail.httpUrl}   (SMTP ${env.SMTP_URL})`);
    log(`  Upstash    ${upstash.url}   (${upstash.backend})`);
    log(`  Publishable key  ${env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY}`);
    log(`  Secret key       ${env.SUPABASE_SECRET_KEY}`);
    log(`  Upstash token    ${env.UPSTASH_REDIS_REST_TOKEN}`);
    log("");

    let stopping: Promise<void> | null = null;
    return {
      env,
      urls,
      upstashBackend: upstash.backend,
      stop: () => (stopping ??= stopAll()),
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
