/**
 * Backends (a) and (b): a real Redis — an existing server at REDIS_URL, or a redis-server/valkey-server binary
 * started on a private port with data under .local/. Replies are translated faithfully (binary-safe Buffers).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import Redis, { Command } from "ioredis";
import { freePort } from "../ports";
import { ReplyError, StatusReply, refusal, type Backend, type CommandArgs, type Reply } from "./reply";

function translate(value: unknown): Reply {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === "number") return value;
  if (typeof value === "string") return new StatusReply(value);
  if (value instanceof Error) return new ReplyError(value.message);
  if (Array.isArray(value)) return value.map(translate);
  return new ReplyError(`ERR unexpected reply type ${typeof value}`);
}

/** Redacts credentials from a redis:// URL for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = u.username ? "***" : "";
    u.password = u.password ? "***" : "";
    return u.toString();
  } catch {
    return "(invalid REDIS_URL)";
  }
}

/** True when a Redis answers PING at url within timeoutMs. */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

class RedisBackend implements Backend {
  constructor(
    readonly kind: "redis" | "redis-server",
    readonly description: string,
    private readonly client: Redis,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  private send(cmd: CommandArgs): Promise<Reply> {
    const [name, ...args] = cmd;
    if (!name) return Promise.resolve(new ReplyError("ERR empty command"));
    const refused = refusal(name.toString());
    if (refused) return Promise.resolve(refused);
    // Upper-case names: ioredis applies no reply transformers (it would turn HGETALL into an object).
    const c = new Command(name.toString().toUpperCase(), args, { replyEncoding: null });
    void this.client.sendCommand(c);
    return c.promise.then(translate, (err: unknown) => new ReplyError(err instanceof Error ? err.message : String(err)));
  }

  exec(cmd: CommandArgs): Promise<Reply> {
    return this.send(cmd);
  }

  pipeline(cmds: CommandArgs[]): Promise<Reply[]> {
    // One connection: commands are written in order and answered in order.
    return Promise.all(cmds.map((c) => this.send(c)));
  }

  async multi(cmds: CommandArgs[]): Promise<Reply[] | ReplyError> {
    for (const c of cmds) {
      const refused = c[0] ? refusal(c[0].toString()) : new ReplyError("ERR empty command");
      if (refused) return new ReplyError(`EXECABORT Transaction discarded because of previous errors.`);
    }
    // MULTI, the commands and EXEC are written synchronously, so nothing else interleaves on this connection.
    const begin = new Command("multi", [], { replyEncoding: null });
    const queued = cmds.map((c) => new Command(c[0]!.toString().toUpperCase(), c.slice(1), { replyEncoding: null }));
    const exec = new Command("exec", [], { replyEncoding: null });
    for (const c of [begin, ...queued, exec]) void this.client.sendCommand(c);
    await Promise.allSettled([begin.promise, ...queued.map((c) => c.promise)]);
    try {
      const out = translate(await exec.promise);
      if (out === null) return new ReplyError("EXECABORT Transaction discarded because of previous errors.");
      return Array.isArray(out) ? out : [out];
    } catch (err) {
      return new ReplyError(err instanceof Error ? err.message : String(err));
    }
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
    await this.onClose();
  }
}

function workingClient(url: string, extra: { db?: number } = {}): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableAutoPipelining: false, ...extra });
  client.on("error", () => undefined); // reconnects on its own; commands fail with the error meanwhile
  return client;
}

/** (a) an existing Redis server. */
export async function connectRedis(url: string, opts: { db?: number } = {}): Promise<Backend> {
  const client = workingClient(url, opts.db === undefined ? {} : { db: opts.db });
  await client.ping();
  const db = opts.db ?? client.options.db ?? 0;
  return new RedisBackend("redis", `Redis at ${describeRedisUrl(url)} (db ${db})`, client);
}

/** Finds redis-server or valkey-server on PATH. */
export function findRedisServerBinary(pathEnv = process.env.PATH ?? ""): string | null {
  for (const dir of pathEnv.split(delimiter)) {
    if (!dir) continue;
    for (const name of ["redis-server", "valkey-server"]) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

const children = new Set<ChildProcess>();
let exitHook = false;
function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => {
      for (const c of children) c.kill("SIGTERM");
    });
  }
}

/** (b) a private redis-server/valkey-server child process. */
export async function spawnRedisServer(opts: { binary: string; dataDir: string; ephemeral?: boolean }): Promise<Backend> {
  const dir = resolve(opts.dataDir);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning"];
  if (opts.ephemeral) args.push("--save", "", "--appendonly", "no");
  else args.push("--save", "60 1", "--dbfilename", "dump.rdb");
  const child = spawn(opts.binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  let output = "";
  child.stdout?.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-2000)));
  child.stderr?.on("data", (b: Buffer) => (output = (output + b.toString()).slice(-2000)));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await redisAnswers(url, 300))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${opts.binary} did not start: ${output.trim().split("\n").slice(-2).join(" | ") || "no output"}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const client = workingClient(url);
  await client.ping();
  return new RedisBackend("redis-server", `${opts.binary} on 127.0.0.1:${port} (data in ${opts.dataDir})`, client, async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
  });
}
