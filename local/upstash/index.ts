/**
 * Local stand-in for Upstash Redis: its REST protocol on 127.0.0.1:<port> (default 8079).
 * Backend, first that works (or forced with `backend`):
 *   "redis"        a real Redis at redisUrl (default redis://127.0.0.1:6379) when it answers
 *   "redis-server" a redis-server/valkey-server binary on PATH, started on a private port, data under dataDir
 *   "memory"       the in-process store (single instance only; see local/README.md)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { assertPortFree } from "../ports";
import { createUpstashHandler } from "./http";
import { createMemoryBackend } from "./memory";
import { connectRedis, describeRedisUrl, findRedisServerBinary, redisAnswers, spawnRedisServer } from "./redis-backend";
import type { Backend } from "./reply";

export type UpstashBackendKind = Backend["kind"];

export type UpstashOptions = {
  port: number;
  token: string;
  /** Existing Redis to try first (default REDIS_URL, else redis://127.0.0.1:6379). A /N path selects DB N. */
  redisUrl?: string;
  /** Where a spawned redis-server keeps its data (default .local/upstash). */
  dataDir?: string;
  /** Force one backend (tests); fails instead of falling back. */
  backend?: UpstashBackendKind;
  /** DB number on the real Redis (overrides the URL's). */
  db?: number;
  /** Spawned redis-server without persistence (tests). */
  ephemeral?: boolean;
  host?: string;
};

export type LocalUpstash = {
  url: string;
  token: string;
  backend: UpstashBackendKind;
  /** One line saying which backend serves requests (no credentials). */
  backendDescription: string;
  stop(): Promise<void>;
};

async function chooseBackend(opts: UpstashOptions): Promise<Backend> {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const dataDir = opts.dataDir ?? resolve(".local/upstash");
  const dbOpt = opts.db === undefined ? {} : { db: opts.db };
  if (opts.backend === "redis") {
    if (!(await redisAnswers(redisUrl))) throw new Error(`local upstash: no Redis answers at ${describeRedisUrl(redisUrl)}`);
    return connectRedis(redisUrl, dbOpt);
  }
  if (opts.backend === "redis-server") {
    const binary = findRedisServerBinary();
    if (!binary) throw new Error("local upstash: no redis-server or valkey-server on PATH");
    return spawnRedisServer({ binary, dataDir, ephemeral: opts.ephemeral ?? false });
  }
  if (opts.backend === "memory") return createMemoryBackend();

  if (await redisAnswers(redisUrl)) return connectRedis(redisUrl, dbOpt);
  const binary = findRedisServerBinary();
  if (binary) {
    try {
      return await spawnRedisServer({ binary, dataDir, ephemeral: opts.ephemeral ?? false });
    } catch {
      /* fall through to the in-process store */
    }
  }
  return createMemoryBackend();
}

export async function startUpstash(opts: UpstashOptions): Promise<LocalUpstash> {
  if (!opts.token) throw new Error("local upstash: a token is required");
  const host = opts.host ?? "127.0.0.1";
  await assertPortFree(opts.port, "Upstash REST", host);
  const backend = await chooseBackend(opts);
  const handler = createUpstashHandler(backend, opts.token);
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 30_000;
  try {
    await new Promise<void>((ok, fail) => {
      server.once("error", (err: NodeJS.ErrnoException) =>
        fail(new Error(err.code === "EADDRINUSE" ? `Upstash REST: port ${opts.port} on ${host} is already in use` : `Upstash REST: ${err.message}`)),
      );
      server.listen(opts.port, host, () => ok());
    });
  } catch (err) {
    await backend.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    token: opts.token,
    backend: backend.kind,
    backendDescription: backend.description,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await backend.close();
    },
  };
}
