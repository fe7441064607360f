/**
 * Local Supabase Auth (GoTrue wire-compatible) server.
 *
 *   const auth = await startAuthServer({ port: 54321, databaseUrl, smtp: { host, port }, siteUrl });
 *   // auth.url = http://127.0.0.1:54321 ; endpoints under /auth/v1
 */
import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve } from "@hono/node-server";
import { Pool } from "pg";
import { buildApp } from "./app";
import { loadConfig } from "./config";
import type { AuthContext } from "./context";
import { createKeyStore } from "./keys";
import { migrate } from "./migrate";
import { createLimiters } from "./rate-limit";

export const DEFAULT_PUBLISHABLE_KEY = "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH";
export const DEFAULT_SECRET_KEY = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
/** exp of the legacy anon/service_role keys (same as the Supabase CLI's demo keys) */
const LEGACY_KEY_EXP = 1983812996;

export interface StartAuthServerOptions {
  port: number;
  databaseUrl: string;
  smtp: { host: string; port: number };
  siteUrl: string;
  /** GOTRUE_* overrides (take precedence over process.env) */
  env?: Record<string, string>;
  /** where the generated signing key is kept (default `.local/auth`) */
  dataDir?: string;
  /** interface to bind (default 127.0.0.1) */
  host?: string;
  log?: (line: string) => void;
}

export interface AuthServer {
  url: string;
  publishableKey: string;
  secretKey: string;
  anonKey: string;
  serviceRoleKey: string;
  /** the shared context (db pool, keys, config) — for tests and in-process tools */
  ctx: AuthContext;
  stop(): Promise<void>;
}

export async function startAuthServer(opts: StartAuthServerOptions): Promise<AuthServer> {
  const env: Record<string, string | undefined> = { ...process.env, ...(opts.env ?? {}) };
  const config = loadConfig(env, { siteUrl: opts.siteUrl });
  const log = opts.log ?? (() => undefined);
  const dataDir = opts.dataDir ?? path.resolve(".local", "auth");
  const host = opts.host ?? "127.0.0.1";

  const pool = new Pool({ connectionString: opts.databaseUrl, max: Number(env.GOTRUE_DB_MAX_POOL_SIZE ?? 20) });
  pool.on("error", (err) => log(`[local-auth] idle pg client error: ${err.message}`));
  // A checked-out client's errors (e.g. the backend terminated by DROP DATABASE … WITH (FORCE)) do not reach the pool's
  // listener; without one of its own such an error would crash the process.
  pool.on("connect", (client) => client.on("error", (err) => log(`[local-auth] pg client error: ${err.message}`)));
  try {
    await migrate(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const keys = await createKeyStore({ jwtKeys: config.jwtKeys, jwtSecret: config.jwtSecret, dataDir });

  const ctx: AuthContext = {
    config,
    db: pool,
    keys,
    url: "",
    issuer: "",
    apiExternalUrl: "",
    apiKeys: {
      publishableKey: env.GOTRUE_PUBLISHABLE_KEY || DEFAULT_PUBLISHABLE_KEY,
      secretKey: env.GOTRUE_SECRET_KEY || DEFAULT_SECRET_KEY,
      anonKey: await keys.sign({ iss: "supabase-demo", role: "anon", exp: LEGACY_KEY_EXP }),
      serviceRoleKey: await keys.sign({ iss: "supabase-demo", role: "service_role", exp: LEGACY_KEY_EXP }),
    },
    smtp: opts.smtp,
    limiters: createLimiters(config.rateLimit),
    dataDir,
    log,
  };

  const app = buildApp(ctx);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: opts.port, hostname: host }, () => resolve(s));
    s.once("error", reject);
  }).catch(async (err: unknown) => {
    await pool.end().catch(() => undefined);
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  ctx.url = url;
  ctx.issuer = env.GOTRUE_JWT_ISSUER || `${url}/auth/v1`;
  ctx.apiExternalUrl = env.GOTRUE_API_EXTERNAL_URL || env.API_EXTERNAL_URL || `${url}/auth/v1`;
  log(`[local-auth] listening on ${url}/auth/v1 (signing ${keys.alg})`);

  let stopped = false;
  return {
    url,
    publishableKey: ctx.apiKeys.publishableKey,
    secretKey: ctx.apiKeys.secretKey,
    anonKey: ctx.apiKeys.anonKey,
    serviceRoleKey: ctx.apiKeys.serviceRoleKey,
    ctx,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        const s = server as unknown as { close(cb: () => void): void; closeAllConnections?: () => void };
        s.close(() => resolve());
        s.closeAllConnections?.();
      });
      await pool.end().catch(() => undefined);
    },
  };
}
