/**
 * Builds the Hono app: CORS like GoTrue, API-version echo, global error handler (GoTrue error JSON, never a
 * stack trace), 404s, and every route module from routes/index.ts mounted under /auth/v1.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AuthContext } from "./context";
import { API_VERSION_HEADER, HttpError, errorResponse, requestApiVersion, unexpectedFailure } from "./errors";
import { routeModules } from "./routes";

export type AuthApp = Hono;

function toHttpError(err: unknown, ctx: AuthContext): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { code?: string; status?: number; message?: string };
  // pg errors caused by input that slipped past validation must stay 4xx
  if (e && typeof e.code === "string") {
    // class 22 = data exception (bad text/number/date/unicode such as \u0000), 54 = program limit (nesting, sizes)
    if (/^(22|54)[0-9A-Z]{3}$/.test(e.code)) return new HttpError(400, "validation_failed", "Invalid input");
    if (e.code === "23505") return new HttpError(422, "conflict", "Conflict");
  }
  if (e && (e.status === 413 || e.code === "ERR_BODY_TOO_LARGE")) {
    return new HttpError(413, "request_entity_too_large", `Request body too large (max ${ctx.config.maxBodyBytes} bytes)`);
  }
  if (e instanceof URIError) return new HttpError(400, "validation_failed", "Invalid URL encoding");
  ctx.log(`[local-auth] unexpected error: ${e?.message ?? String(err)}`);
  return unexpectedFailure();
}

export function buildApp(ctx: AuthContext): Hono {
  const root = new Hono();
  root.use(
    "*",
    cors({
      origin: (origin) => origin || "*",
      allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
      allowHeaders: [
        "Accept",
        "Authorization",
        "Content-Type",
        "X-Client-IP",
        "X-Client-Info",
        "Audience",
        "X-Requested-With",
        "X-Supabase-Api-Version",
        "apikey",
        "x-region",
      ],
      exposeHeaders: ["X-Total-Count", "Link", "X-Supabase-Api-Version"],
      credentials: true,
      maxAge: 300,
    }),
  );
  root.use("*", async (c, next) => {
    await next();
    const v = requestApiVersion(c.req.header(API_VERSION_HEADER));
    if (v && !c.res.headers.has(API_VERSION_HEADER)) {
      try {
        c.res.headers.set(API_VERSION_HEADER, v);
      } catch {
        // immutable headers (e.g. redirects built from fetch Responses): leave them
      }
    }
  });

  // Body size: anything over the limit is read and discarded (up to 16 MiB, so the client gets to read the 413,
  // beyond that the connection is dropped) and refused. Chunked bodies are counted while streaming.
  const max = ctx.config.maxBodyBytes;
  const DRAIN_MAX = 16 * 1024 * 1024;
  const tooLarge = () => new HttpError(413, "request_entity_too_large", `Request body too large (max ${max} bytes)`);
  root.use("*", async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined) {
      const len = Number(declared);
      if (!Number.isFinite(len) || len > max) {
        if (Number.isFinite(len) && len <= DRAIN_MAX) await c.req.arrayBuffer().catch(() => undefined);
        return errorResponse(c, tooLarge());
      }
      return next();
    }
    const body = c.req.raw.body;
    if (!body) return next();
    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > DRAIN_MAX) break;
      if (total <= max) chunks.push(value);
    }
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return errorResponse(c, tooLarge());
    }
    c.req.raw = new Request(c.req.raw.url, { method: c.req.raw.method, headers: c.req.raw.headers, body: Buffer.concat(chunks) });
    return next();
  });

  const api = new Hono();
  for (const mod of routeModules) mod.register(api, ctx);
  root.route("/auth/v1", api);

  root.notFound((c) => errorResponse(c, new HttpError(404, "not_found", "Not Found")));
  root.onError((err, c) => errorResponse(c, toHttpError(err, ctx)));
  api.onError((err, c) => errorResponse(c, toHttpError(err, ctx)));
  return root;
}
