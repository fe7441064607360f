/**
 * The middleware and security headers against a real production build (`next build` into .local/next-test, then
 * `next start`): headers on a page, an API route, a static file and a 404; nonces on every script; 400 for an untrusted
 * Host; rate limits shared by two app instances under concurrency; fail-closed limits with the store unreachable.
 */
import { randomInt } from "node:crypto";
import { request as httpRequest } from "node:http";
import { createServerClient } from "@supabase/ssr";
import { createClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "@/local/ports";
import { ensureProductionBuild, startNext, type NextServer } from "@/scripts/lib/production-build";
import { stackEnv } from "@/tests/helpers/stack";

let a: NextServer;
let b: NextServer;
let storeDown: NextServer;

const publishableKey = () => stackEnv().NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY ?? "";

/** A fresh client address per test (its own rate-limit buckets, also across re-runs within a window). */
const randomIp = () => `2001:db8:${randomInt(0xffff).toString(16)}:${randomInt(0xffff).toString(16)}::${randomInt(0xffff).toString(16)}`;

function raw(port: number, options: { path: string; method?: string; headers?: Record<string, string> }) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: options.path, method: options.method ?? "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const STATIC_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "strict-origin-when-cross-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "x-frame-options": "DENY",
  "x-xss-protection": "0",
  "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
};

function expectStaticHeaders(headers: Headers, except: string[] = []) {
  for (const [name, value] of Object.entries(STATIC_HEADERS)) if (!except.includes(name)) expect(headers.get(name), name).toBe(value);
  expect(headers.get("permissions-policy")).toContain("camera=()");
  expect(headers.has("x-powered-by")).toBe(false);
}

/** Every <script> carries the response's CSP nonce; returns the nonce. */
function expectNoncedScripts(html: string, csp: string | null): string {
  const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")?.[1];
  expect(nonce).toBeTruthy();
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, tag).toContain(`nonce="${nonce}"`);
  // style-src has no 'unsafe-inline': inline style attributes and unnonced <style> elements would be blocked.
  expect(html).not.toMatch(/<[a-z][^>]*\sstyle="/i);
  for (const tag of html.match(/<style\b[^>]*>/g) ?? []) expect(tag, tag).toContain(`nonce="${nonce}"`);
  return nonce!;
}

beforeAll(async () => {
  const env = stackEnv();
  await ensureProductionBuild({ log: (line) => process.env.LOCAL_STACK_VERBOSE === "1" && process.stderr.write(`[build] ${line}\n`) });
  const [portA, portB, portC, closedPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const hosts = [portA, portB, portC].flatMap((port) => [`127.0.0.1:${port}`, `localhost:${port}`]).join(",");
  const appEnv = (port: number, extra: Record<string, string> = {}) => ({
    ...env,
    NEXT_PUBLIC_SITE_URL: `http://127.0.0.1:${port}`,
    ALLOWED_HOSTS: hosts,
    ALLOWED_ORIGINS: `http://127.0.0.1:${port}`,
    // The tests play the trusted proxy: they write X-Forwarded-For.
    TRUSTED_PROXY_HOPS: "1",
    ...extra,
  });
  [a, b, storeDown] = await Promise.all([
    startNext({ port: portA, env: appEnv(portA) }),
    startNext({ port: portB, env: appEnv(portB) }),
    startNext({ port: portC, env: appEnv(portC, { UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${closedPort}` }) }),
  ]);
}, 400_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), storeDown?.stop()]);
});

describe("security headers", () => {
  it("sends the static headers and a nonce CSP on a page, with the nonce on every script", async () => {
    const response = await fetch(`${a.url}/login`);
    expect(response.status).toBe(200);
    expectStaticHeaders(response.headers);
    const csp = response.headers.get("content-security-policy");
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(response.headers.get("reporting-endpoints")).toBe('csp-endpoint="/api/security-events"');
    const html = await response.text();
    const nonce = expectNoncedScripts(html, csp);
    const again = await fetch(`${a.url}/login`);
    expect(again.headers.get("content-security-policy")).not.toContain(nonce);
  });

  it("marks token-bearing pages no-referrer and no-store", async () => {
    const response = await fetch(`${a.url}/reset-password`);
    expectStaticHeaders(response.headers, ["referrer-policy"]);
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    expect(response.headers.get("cache-control")).toContain("no-store");
  });

  it("sends the static headers and a lock-down CSP on an API route", async () => {
    const response = await fetch(`${a.url}/api/health`);
    expectStaticHeaders(response.headers);
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it("sends the static headers on a static file", async () => {
    const html = await (await fetch(`${a.url}/login`)).text();
    const src = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(html)?.[1];
    expect(src).toBeTruthy();
    const response = await fetch(`${a.url}${src}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    expectStaticHeaders(response.headers);
  });

  it("sends the headers and nonced scripts on a 404", async () => {
    const response = await fetch(`${a.url}/definitely/not/here`);
    expect(response.status).toBe(404);
    expectStaticHeaders(response.headers);
    expectNoncedScripts(await response.text(), response.headers.get("content-security-policy"));
  });

  it("answers 400 without echoing an untrusted Host, on pages and the gateway", async () => {
    for (const path of ["/login", "/auth/v1/settings", "/api/health", "/api/anything.js", "/auth/v1/token.json"]) {
      const response = await raw(a.port, { path, headers: { host: "evil.example.com" } });
      expect(response.status, path).toBe(400);
      expect(response.body).not.toContain("evil");
      expect(response.headers["x-frame-options"]).toBe("DENY");
    }
    expect((await raw(a.port, { path: "/login", headers: { host: `localhost:${a.port}` } })).status).toBe(200);
  });
});

describe("rate limits through the middleware", () => {
  it("refuses the 6th SSO-cookie POST in a minute with 429, Retry-After and RateLimit headers", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 6; i++) {
      last = await fetch(`${a.url}/api/my/sso-cookie`, { method: "POST", headers: { "x-forwarded-for": ip } });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).not.toContain(429);
    expect(statuses[5]).toBe(429);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last!.headers.get("ratelimit-limit")).toBe("5");
    expect(last!.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(last!.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    expect(await last!.json()).toMatchObject({ error: "rate_limited", retry_after: expect.any(Number) });
    // Another client is unaffected.
    expect((await fetch(`${a.url}/api/my/sso-cookie`, { method: "POST", headers: { "x-forwarded-for": randomIp() } })).status).not.toBe(429);
  });

  it("lets exactly the limit through across 2 instances × 50 concurrent clients", async () => {
    const ip = randomIp();
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) => fetch(`${(i % 2 ? a : b).url}/api/my/sso-cookie`, { method: "POST", headers: { "x-forwarded-for": ip } })),
    );
    const passed = responses.filter((r) => r.status !== 429);
    expect(passed).toHaveLength(5);
    await Promise.all(responses.map((r) => r.body?.cancel()));
  });

  it("refuses the 6th password attempt for one IP + email with GoTrue's error shape", async () => {
    const ip = randomIp();
    const email = `limit-${randomInt(1e9)}@example.com`;
    const attempt = () =>
      fetch(`${a.url}/auth/v1/token?grant_type=password`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip, apikey: publishableKey() },
        body: JSON.stringify({ email, password: "wrong-password-1" }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
    expect(statuses).not.toContain(429);
    const refused = await attempt();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: "over_request_rate_limit", error_code: "over_request_rate_limit" });
  });

  it("limits recovery per email across IPs at the gateway (body-keyed)", async () => {
    const email = `recover-${randomInt(1e9)}@example.com`;
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${a.url}/auth/v1/recover`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": randomIp(), apikey: publishableKey() },
        body: JSON.stringify({ email }),
      });
      const body = (await response.json().catch(() => ({}))) as { error_code?: string };
      codes.push(response.status === 429 ? body.error_code : "passed");
    }
    // The upstream may space out its own mails (over_email_send_rate_limit); the app's limit is over_request_rate_limit.
    expect(codes.slice(0, 5)).not.toContain("over_request_rate_limit");
    expect(codes[5]).toBe("over_request_rate_limit");
  });

  it("still limits auth endpoints with the store unreachable, and records the control failure", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${storeDown.url}/auth/v1/recover`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": ip, apikey: publishableKey() },
        body: JSON.stringify({ email: `x${i}-${randomInt(1e9)}@example.com` }),
      });
      statuses.push(response.status);
      await response.body?.cancel();
    }
    expect(statuses.slice(0, 5)).not.toContain(429);
    expect(statuses[5]).toBe(429);
    await expect.poll(() => storeDown.output.some((line) => line.includes('"sys_monitor"') && line.includes("rate_limit_store")), { timeout: 5_000 }).toBe(true);
  });
});

describe("session refresh in the middleware", () => {
  const COOKIE = "sb-mindroom-auth";
  const decode = (value: string) => JSON.parse(Buffer.from(value.replace(/^base64-/, ""), "base64url").toString("utf8")) as Record<string, unknown>;
  const encode = (session: unknown) => `base64-${Buffer.from(JSON.stringify(session)).toString("base64url")}`;
  /** The session cookie's value, re-joined from @supabase/ssr's chunks (name, name.0, name.1, …). */
  const joined = (cookies: Map<string, string>) =>
    cookies.get(COOKIE) ??
    [...cookies.entries()]
      .filter(([name]) => name.startsWith(`${COOKIE}.`))
      .sort(([x], [y]) => Number(x.split(".").pop()) - Number(y.split(".").pop()))
      .map(([, value]) => value)
      .join("");

  it("refreshes an expired session on a page request and sets the new cookie", async () => {
    const env = stackEnv();
    const admin = createClient(env.NEXT_PUBLIC_SUPABASE_URL!, env.SUPABASE_SECRET_KEY!, { auth: { persistSession: false } });
    const email = `refresh-${randomInt(1e9)}@example.com`;
    const password = "correct horse battery staple 42";
    expect((await admin.auth.admin.createUser({ email, password, email_confirm: true })).error).toBeNull();
    const jar = new Map<string, string>();
    const client = createServerClient(env.NEXT_PUBLIC_SUPABASE_URL!, publishableKey(), {
      cookieOptions: { name: COOKIE },
      cookies: {
        getAll: () => [...jar].map(([name, value]) => ({ name, value })),
        setAll: (cookies) => cookies.forEach(({ name, value }) => (value ? jar.set(name, value) : jar.delete(name))),
      },
    });
    expect((await client.auth.signInWithPassword({ email, password })).error).toBeNull();
    const session = decode(joined(jar));
    // Only the stored expiry is moved into the past: the client must refresh before it trusts the session.
    const stale = encode({ ...session, expires_at: Math.floor(Date.now() / 1000) - 60 });

    const response = await raw(a.port, { path: "/login", headers: { host: `127.0.0.1:${a.port}`, cookie: `${COOKIE}=${stale}`, "x-forwarded-for": randomIp() } });
    expect(response.status).toBe(200);
    const setCookies = ([] as string[]).concat(response.headers["set-cookie"] ?? []);
    const fresh = new Map(
      setCookies
        .map((line) => line.split(";")[0] ?? "")
        .filter((pair) => pair.startsWith(COOKIE))
        .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)] as [string, string]),
    );
    const refreshed = decode(joined(fresh));
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.access_token).not.toBe(session.access_token);
    expect(refreshed.refresh_token).not.toBe(session.refresh_token);
    expect(Number(refreshed.expires_at)).toBeGreaterThan(Date.now() / 1000);
    expect(setCookies.join("\n")).toMatch(/SameSite=Lax/i);
    expect(response.headers["cache-control"]).toContain("no-store");
  });

  it("leaves requests without a session cookie alone", async () => {
    const response = await raw(a.port, { path: "/login", headers: { host: `127.0.0.1:${a.port}` } });
    expect(response.headers["set-cookie"]).toBeUndefined();
  });
});
