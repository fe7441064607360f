/**
 * The auth gateway (lib/auth-gateway/proxy.ts) against the real local auth server: the real @supabase/supabase-js
 * client talks to a small HTTP server whose only handler is `proxyAuthRequest`, exactly as the browser client talks
 * to the app's /auth/v1 route.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { createClient } from "@supabase/supabase-js";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyAuthRequest, type GatewayOptions } from "@/lib/auth-gateway/proxy";
import { stackEnv } from "@/tests/helpers/stack";

const env = stackEnv();
const password = "gateway-Test-passw0rd!";
const email = `gateway-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const clientIp = "203.0.113.77";

function listen(handler: (request: Request) => Promise<Response>): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: handler, port: 0, hostname: "127.0.0.1" }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, server }));
  });
}

function close(server: ServerType | Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

let gateway: { url: string; server: ServerType };
let options: Omit<GatewayOptions, "ip"> = { upstream: env.NEXT_PUBLIC_SUPABASE_URL };

beforeAll(async () => {
  gateway = await listen((request) => proxyAuthRequest(request, { ...options, ip: clientIp }));
  const admin = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.SUPABASE_SECRET_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
  const { error } = await admin.auth.admin.createUser({ email, password, email_confirm: true });
  if (error) throw error;
});

afterAll(async () => {
  await close(gateway.server);
});

function browserLikeClient() {
  return createClient(gateway.url, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false, autoRefreshToken: false } });
}

describe("auth gateway against the local auth server", () => {
  it("signs in with the real client through the gateway and records the forwarded client IP on the session", async () => {
    const { data, error } = await browserLikeClient().auth.signInWithPassword({ email, password });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBeTruthy();
    const db = new Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ ip: string }>("select host(ip) as ip from auth.sessions where user_id = $1", [data.user!.id]);
      expect(rows.map((r) => r.ip)).toContain(clientIp);
    } finally {
      await db.end();
    }
  });

  it("preserves GoTrue's status, error code and message exactly", async () => {
    const { error } = await browserLikeClient().auth.signInWithPassword({ email, password: "wrong-password" });
    expect(error?.status).toBe(400);
    expect(error?.code).toBe("invalid_credentials");

    const init = {
      method: "POST",
      headers: { apikey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, "content-type": "application/json", "x-supabase-api-version": "2024-01-01" },
      body: JSON.stringify({ email, password: "wrong-password" }),
    };
    const direct = await fetch(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/token?grant_type=password`, init);
    const proxied = await fetch(`${gateway.url}/auth/v1/token?grant_type=password`, init);
    expect(proxied.status).toBe(direct.status);
    expect(await proxied.json()).toEqual(await direct.json());
    expect(proxied.headers.get("x-supabase-api-version")).toBe(direct.headers.get("x-supabase-api-version"));
    expect(proxied.headers.get("content-type")).toBe(direct.headers.get("content-type"));
  });

  it("passes a user-authenticated GET through (getUser with the session's token)", async () => {
    const client = browserLikeClient();
    const { data } = await client.auth.signInWithPassword({ email, password });
    const { data: user, error } = await client.auth.getUser(data.session!.access_token);
    expect(error).toBeNull();
    expect(user.user?.email).toBe(email);
  });

  it("refuses an oversized body with 413 before the upstream sees it", async () => {
    const response = await fetch(`${gateway.url}/auth/v1/signup`, {
      method: "POST",
      headers: { apikey: env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, "content-type": "application/json" },
      body: JSON.stringify({ email: "big@example.com", password: "x".repeat(100 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 413, error_code: "request_too_large" });
  });

  it("strips cookies and client-sent forwarding headers on the wire", async () => {
    let seen: IncomingHttpHeaders | undefined;
    const echo = createServer((req, res) => {
      seen = req.headers;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const upstream = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    try {
      const response = await proxyAuthRequest(
        new Request("http://app.test/auth/v1/user", {
          headers: { cookie: "sb-mindroom-auth=abc", "x-forwarded-for": "198.51.100.1", "sb-forwarded-for": "198.51.100.2", authorization: "Bearer t" },
        }),
        { upstream, ip: clientIp },
      );
      expect(response.status).toBe(200);
      expect(seen?.cookie).toBeUndefined();
      expect(seen?.["x-forwarded-for"]).toBeUndefined();
      expect(seen?.["sb-forwarded-for"]).toBe(clientIp);
      expect(seen?.authorization).toBe("Bearer t");
      expect(seen?.host).toBe(new URL(upstream).host);
    } finally {
      await close(echo);
    }
  });

  it("answers 502 JSON when the upstream is down", async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await close(probe);
    const previous = options;
    options = { upstream: `http://127.0.0.1:${deadPort}` };
    try {
      const { error } = await browserLikeClient().auth.signInWithPassword({ email, password });
      expect(error?.status).toBe(502);
      const raw = await fetch(`${gateway.url}/auth/v1/settings`);
      expect(raw.status).toBe(502);
      const text = await raw.text();
      expect(JSON.parse(text)).toMatchObject({ code: 502, error_code: "upstream_unavailable" });
      expect(text).not.toContain(String(deadPort));
    } finally {
      options = previous;
    }
  });
});
