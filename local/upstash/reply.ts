/**
 * Redis replies as the local Upstash endpoint carries them, independent of the backend:
 *   Buffer        bulk string (binary-safe)
 *   StatusReply   simple string ("OK", "PONG", "QUEUED", TYPE names…)
 *   number        integer
 *   null          nil
 *   ReplyError    error reply, text exactly as Redis sends it ("WRONGTYPE …", "NOSCRIPT …")
 *   Reply[]       array (nested)
 */
export class StatusReply {
  constructor(readonly value: string) {}
}

export class ReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplyError";
  }
}

export type Reply = Buffer | StatusReply | number | null | ReplyError | Reply[];

/** A command as it arrives over REST: name first, every argument as bytes. */
export type CommandArgs = Buffer[];

export interface Backend {
  readonly kind: "redis" | "redis-server" | "memory";
  /** Human description for the start-up line (never includes credentials). */
  readonly description: string;
  /** Runs one command; a Redis error comes back as a ReplyError value, never thrown. */
  exec(cmd: CommandArgs): Promise<Reply>;
  /** Runs commands in order (not atomically, like Upstash /pipeline). */
  pipeline(cmds: CommandArgs[]): Promise<Reply[]>;
  /** MULTI/EXEC: an array of per-command replies, or one ReplyError (EXECABORT) when the transaction was discarded. */
  multi(cmds: CommandArgs[]): Promise<Reply[] | ReplyError>;
  close(): Promise<void>;
}

/** Commands the REST endpoint refuses: they would block or change the state of a shared connection. */
export const REFUSED_COMMANDS = new Set([
  "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe", "monitor",
  "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop", "xread", "xreadgroup",
  "wait", "waitaof", "select", "swapdb", "multi", "exec", "discard", "watch", "unwatch", "quit", "reset", "hello",
  "auth", "client", "shutdown", "debug", "replicaof", "slaveof", "sync", "psync", "failover", "migrate", "config",
]);

export function refusal(name: string): ReplyError | null {
  const lower = name.toLowerCase();
  if (REFUSED_COMMANDS.has(lower)) return new ReplyError(`ERR Command is not available: '${lower}'`);
  return null;
}
