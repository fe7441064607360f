/**
 * The Upstash Redis REST protocol over HTTP:
 *   POST /               body ["SET","k","v"]                 → 200 {"result":…} | 400 {"error":"<redis error>"}
 *   POST /pipeline       body [["SET","k","v"],["GET","k"]]   → 200 [{"result":…}|{"error":…}, …]
 *   POST /multi-exec     same body, run in MULTI/EXEC          → 200 [{"result":…}|{"error":…}, …] | 400 {"error":"EXECABORT …"}
 *   GET|POST /set/k/v    path form (a POST body is appended as the last argument)
 * Authorization: Bearer <token> (401 otherwise). With `Upstash-Encoding: base64` every string in a result is
 * base64 of its bytes except the status "OK" (exactly what @upstash/redis decodes); errors are never encoded.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ReplyError, StatusReply, type Backend, type CommandArgs, type Reply } from "./reply";

const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_PIPELINE = 10_000;

type Json = string | number | null | Json[];

export function encodeReply(reply: Exclude<Reply, ReplyError>, base64: boolean, nested = false): Json {
  if (reply === null) return null;
  if (typeof reply === "number") return reply;
  // @upstash/redis keeps a top-level "OK" as is but base64-decodes every string inside arrays, so "OK" is sent
  // plain only at the top (Redis backends cannot tell the status "OK" from a bulk "OK"; both decode to "OK").
  const bytes = reply instanceof StatusReply ? Buffer.from(reply.value, "utf8") : Buffer.isBuffer(reply) ? reply : null;
  if (bytes) {
    if (!base64) return bytes.toString("utf8");
    if (!nested && bytes.length === 2 && bytes[0] === 0x4f && bytes[1] === 0x4b) return "OK";
    return bytes.toString("base64");
  }
  // An error nested in an array (rare: EXEC inside scripts) cannot be expressed; carry its text.
  return (reply as Reply[]).map((r) => (r instanceof ReplyError ? r.message : encodeReply(r, base64, true)));
}

function item(reply: Reply, base64: boolean): { result: Json } | { error: string } {
  return reply instanceof ReplyError ? { error: reply.message } : { result: encodeReply(reply, base64) };
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function toCommand(value: unknown): CommandArgs {
  if (!Array.isArray(value) || value.length === 0) throw new BadRequest("ERR failed to parse command");
  return value.map((arg) => {
    if (typeof arg === "string") return Buffer.from(arg, "utf8");
    if (typeof arg === "number" && Number.isFinite(arg)) return Buffer.from(String(arg));
    if (typeof arg === "boolean") return Buffer.from(String(arg));
    throw new BadRequest("ERR failed to parse command");
  });
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BadRequest("ERR max request size exceeded", 413));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BadRequest("ERR max request size exceeded", 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new BadRequest("ERR failed to parse command");
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export function createUpstashHandler(backend: Backend, token: string) {
  const expected = digest(token);

  function authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(header);
    const given = digest(m?.[1]?.trim() ?? "");
    // Constant-time on fixed-length digests; an empty header still does the comparison.
    return timingSafeEqual(given, expected) && Boolean(m);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    try {
      if (!authorized(req)) {
        req.resume();
        send(401, { error: "Unauthorized" });
        return;
      }
      const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
      const url = new URL(req.url ?? "/", "http://localhost");
      const path = url.pathname;
      const method = req.method ?? "GET";

      if (method === "POST" && (path === "/pipeline" || path === "/multi-exec")) {
        const parsed = parseJson(await readBody(req));
        if (!Array.isArray(parsed) || parsed.length === 0) throw new BadRequest("ERR failed to parse pipeline request");
        if (parsed.length > MAX_PIPELINE) throw new BadRequest("ERR pipeline too long");
        const cmds = parsed.map(toCommand);
        if (path === "/pipeline") {
          const replies = await backend.pipeline(cmds);
          send(200, replies.map((r) => item(r, base64)));
          return;
        }
        const replies = await backend.multi(cmds);
        if (replies instanceof ReplyError) send(400, { error: replies.message });
        else send(200, replies.map((r) => item(r, base64)));
        return;
      }

      let cmd: CommandArgs;
      if (method === "POST" && path === "/") {
        cmd = toCommand(parseJson(await readBody(req)));
      } else if ((method === "GET" || method === "POST") && path !== "/") {
        const segments = path.split("/").slice(1).filter((s, i, all) => s !== "" || i < all.length - 1);
        let args: Buffer[];
        try {
          args = segments.map((s) => Buffer.from(decodeURIComponent(s), "utf8"));
        } catch {
          throw new BadRequest("ERR failed to parse command");
        }
        if (method === "POST") {
          const body = await readBody(req);
          if (body.length > 0) args.push(body);
        }
        cmd = args;
        if (cmd.length === 0) throw new BadRequest("ERR failed to parse command");
      } else {
        res.setHeader("allow", "POST");
        send(405, { error: "Method not allowed" });
        return;
      }
      const reply = await backend.exec(cmd);
      if (reply instanceof ReplyError) send(400, { error: reply.message });
      else send(200, { result: encodeReply(reply, base64) });
    } catch (err) {
      if (err instanceof BadRequest) send(err.status, { error: err.message });
      else send(500, { error: "ERR internal error in local upstash" });
    }
  };
}
