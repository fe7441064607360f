/**
 * Backends (a) and (b): a real Redis — an existing server at REDIS_URL, or a redis-server/valkey-server binary
 * started on a private port with data under .local/. Replies are translated faithfully (binary-safe Buffers).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
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

/** Script flags open-source Redis knows; Upstash adds others (e.g. allow-key-locking, used by @upstash/ratelimit). */
const REDIS_SCRIPT_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"]);

const sha1 = (b: Buffer | string) => createHash("sha1").update(b).digest("hex");

/**
 * Drops shebang flags that only Upstash understands, so such scripts run on open-source Redis.
 * Returns null when the script needs no change.
 */
export function stripUpstashOnlyFlags(script: Buffer): Buffer | null {
  if (script[0] !== 0x23 || script[1] !== 0x21) return null; // "#!"
  const text = script.toString("latin1");
  const nl = text.indexOf("\n");
  const first = nl === -1 ? text : text.slice(0, nl);
  const m = /^(#!lua\b.*?\bflags=)([^\s]*)(.*)$/.exec(first);
  if (!m) return null;
  const flags = m[2]!.split(",").filter(Boolean);
  const kept = flags.filter((f) => REDIS_SCRIPT_FLAGS.has(f));
  if (kept.length === flags.length) return null;
  const line = kept.length ? `${m[1]}${kept.join(",")}${m[3]}` : `#!lua${m[3]}`.replace(/^#!lua\s+name=/, "#!lua name=");
  return Buffer.from(line + (nl === -1 ? "" : text.slice(nl)), "latin1");
}

class RedisBackend implements Backend {
  /** sha1 of the client's script text → sha1 of the script Redis actually holds (after stripUpstashOnlyFlags). */
  private readonly shaAlias = new Map<string, string>();

  constructor(
    readonly kind: "redis" | "redis-server",
    readonly description: string,
    private readonly client: Redis,
    private readonly onClose: () => Promise<void> = async () => undefined,
  ) {}

  /** Rewrites scripting commands for Upstash-only shebang flags; returns the ioredis Command and a reply fix-up. */
  private prepare(cmd: CommandArgs): { command: Command; fix: (r: Reply) => Reply } {
    const name = cmd[0]!.toString().toUpperCase();
    let args = cmd.slice(1);
    let fix = (r: Reply) => r;
    const alias = (shaArg: Buffer) => Buffer.from(this.shaAlias.get(shaArg.toString().toLowerCase()) ?? shaArg.toString());
    if ((name === "EVAL" || name === "EVAL_RO") && args[0]) {
      const rewritten = stripUpstashOnlyFlags(args[0]);
      if (rewritten) {
        this.shaAlias.set(sha1(args[0]), sha1(rewritten));
        args = [rewritten, ...args.slice(1)];
      }
    } else if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[0]) {
      args = [alias(args[0]), ...args.slice(1)];
    } else if (name === "SCRIPT" && args[0]) {
      const sub = args[0].toString().toUpperCase();
      if (sub === "LOAD" && args[1]) {
        const rewritten = stripUpstashOnlyFlags(args[1]);
        if (rewritten) {
          const original = sha1(args[1]);
          this.shaAlias.set(original, sha1(rewritten));
          args = [args[0], rewritten];
          fix = (r) => (Buffer.isBuffer(r) ? Buffer.from(original) : r);
        }
      } else if (sub === "EXISTS") {
        args = [args[0], ...args.slice(1).map(alias)];
      }
    }
    // Upper-case names: ioredis applies no reply transformers (it would turn HGETALL into an object).
    return { command: new Command(name, args, { replyEncoding: null }), fix };
  }

  private send(cmd: CommandArgs): Promise<Reply> {
    const [name] = cmd;
    if (!name) return Promise.resolve(new ReplyError("ERR empty command"));
    const refused = refusal(name.toString());
    if (refused) return Promise.resolve(refused);
    const { command, fix } = this.prepare(cmd);
    void this.client.sendCommand(command);
    return command.promise.then(
      (v: unknown) => fix(translate(v)),
      (err: unknown) => new ReplyError(err instanceof Error ? err.message : String(err)),
    );
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
    const prepared = cmds.map((c) => this.prepare(c));
    const queued = prepared.map((p) => p.command);
    const exec = new Command("exec", [], { replyEncoding: null });
    for (const c of [begin, ...queued, exec]) void this.client.sendCommand(c);
    await Promise.allSettled([begin.promise, ...queued.map((c) => c.promise)]);
    try {
      const out = translate(await exec.promise);
      if (out === null) return new ReplyError("EXECABORT Transaction discarded because of previous errors.");
      return (Array.isArray(out) ? out : [out]).map((r, i) => prepared[i]!.fix(r));
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
