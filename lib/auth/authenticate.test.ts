import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet } from "jose";
import { randomUUID } from "node:crypto";
import { errorResponse } from "@/lib/api/errors";
import { createAuthMonitor } from "@/lib/security/auth-monitor";
import { createTokenMetrics } from "@/lib/security/token-metrics";
import { memoryRedis } from "@/tests/helpers/memory-redis";
import { claims, makeKey, signToken, startJwksServer, type JwksServer, type KeyPair } from "@/tests/helpers/tokens";
import { authenticate, BlockedError, type AuthenticateDeps } from "./authenticate";
import { AuthError } from "./errors";
import { createRevocationStore } from "./revocation";
import { createSessionExistenceCache } from "./validation-cache";
import { createShortCache } from "./short-cache";
import { createTokenVerifier } from "./verify";

let server: JwksServer;
let key: KeyPair;
let issuer: string;

beforeAll(async () => {
  key = makeKey("ES256");
  server = await startJwksServer([key]);
  issuer = `${server.url}/auth/v1`;
});
afterAll(() => server.close());

function setup(opts: { sessions?: Set<string> } = {}) {
  const { fake, redis } = memoryRedis();
  let now = Date.now();
  fake.clock = () => now;
  const verify = createTokenVerifier({ issuer, algorithms: ["ES256"], jwks: createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)) });
  const deps: AuthenticateDeps = {
    verify,
    revocation: createRevocationStore({ redis, now: () => now }),
    monitor: createAuthMonitor({ redis, now: () => now }),
    sessions: createSessionExistenceCache({ lookup: async (sid) => opts.sessions?.has(sid) ?? false, now: () => now }),
    recordUse: createTokenMetrics({ redis, now: () => now }),
  };
  const call = async (auth: string | null, ip = "203.0.113.5", extra: { strict?: boolean; url?: string; cookie?: string | null } = {}) => {
    const headers = new Headers();
    if (auth !== null) headers.set("authorization", auth);
    const request = new Request(extra.url ?? "https://app.example/api/my/account", { headers });
    try {
      const r = await authenticate(
        { request, ip, strict: extra.strict, cookieToken: extra.cookie !== undefined ? async () => extra.cookie ?? null : undefined },
        deps,
      );
      return { status: 200, r };
    } catch (err) {
      if (err instanceof BlockedError) return { status: 429, retry: err.retryAfterSeconds };
      expect(err).toBeInstanceOf(AuthError);
      return { status: errorResponse(err).status, code: (err as AuthError).code };
    }
  };
  return { deps, call, fake, advance: (ms: number) => (now += ms), now: () => now };
}

describe("authenticate()", () => {
  it("valid bearer → identity; the same 401 response for every kind of failure", async () => {
    const { call } = setup();
    const sid = randomUUID();
    const ok = await call(`Bearer ${signToken(key, claims({ issuer, sessionId: sid }))}`);
    expect(ok.status).toBe(200);
    expect(ok.r?.token.sessionId).toBe(sid);
    const bodies = new Set<string>();
    for (const [auth, ip] of [
      ["Bearer x.y.z", "198.51.100.1"],
      ["Basic abc", "198.51.100.2"],
      [`Bearer ${signToken(key, { ...claims({ issuer }), role: "anon" })}`, "198.51.100.3"],
    ] as const) {
      const headers = new Headers({ authorization: auth });
      try {
        await authenticate({ request: new Request("https://app.example/", { headers }), ip }, setup().deps);
      } catch (err) {
        const res = errorResponse(err);
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
        expect(res.headers.get("cache-control")).toBe("no-store");
        bodies.add(await res.text());
      }
    }
    expect([...bodies]).toEqual(['{"error":"invalid_token"}']);
  });

  it("refuses a token passed in the query string even with a valid header", async () => {
    const { call } = setup();
    const t = signToken(key, claims({ issuer }));
    expect(await call(`Bearer ${t}`, "203.0.113.5", { url: `https://app.example/api/my/account?access_token=${t}` })).toMatchObject({
      status: 401,
      code: "token_in_query",
    });
  });

  it("5 failed validations from one IP → the 6th request is blocked even with a valid token; other IPs unaffected; lifts after 30 min", async () => {
    const { call, advance } = setup();
    const valid = `Bearer ${signToken(key, claims({ issuer }))}`;
    for (let i = 0; i < 5; i++) expect((await call("Bearer not.a.jwt", "203.0.113.66")).status).toBe(401);
    expect(await call(valid, "203.0.113.66")).toMatchObject({ status: 429, retry: 1800 });
    expect((await call(valid, "203.0.113.67")).status).toBe(200);
    advance(30 * 60_000 + 1);
    // a fresh token (the old one would now be too old for maxTokenAge)
    const later = `Bearer ${signToken(key, claims({ issuer, now: Math.floor((Date.now() + 30 * 60_000) / 1000) }))}`;
    expect((await call(later, "203.0.113.66")).status).not.toBe(429);
  });

  it("a missing credential is 401 but does not count towards the IP block", async () => {
    const { call } = setup();
    for (let i = 0; i < 6; i++) expect(await call(null, "203.0.113.70")).toMatchObject({ status: 401, code: "missing_token" });
    expect((await call(`Bearer ${signToken(key, claims({ issuer }))}`, "203.0.113.70")).status).toBe(200);
  });

  it("revocation: denylisted session and per-user not-before take effect on the next request", async () => {
    const { call, deps } = setup();
    const sub = randomUUID();
    const sid = randomUUID();
    const t = `Bearer ${signToken(key, claims({ issuer, sub, sessionId: sid }))}`;
    expect((await call(t)).status).toBe(200);
    await deps.revocation.revokeSessions([sid]);
    expect(await call(t)).toMatchObject({ status: 401, code: "revoked" });
    const other = `Bearer ${signToken(key, claims({ issuer, sub, now: Math.floor(Date.now() / 1000) - 5 }))}`;
    expect((await call(other)).status).toBe(200);
    await deps.revocation.revokeUserBefore(sub);
    expect(await call(other)).toMatchObject({ status: 401, code: "revoked" });
  });

  it("strict mode requires the session row; cookie tokens go through the same pipeline", async () => {
    const sid = randomUUID();
    const { call } = setup({ sessions: new Set([sid]) });
    const good = signToken(key, claims({ issuer, sessionId: sid }));
    const gone = signToken(key, claims({ issuer }));
    expect((await call(`Bearer ${good}`, "203.0.113.80", { strict: true })).status).toBe(200);
    expect(await call(`Bearer ${gone}`, "203.0.113.80", { strict: true })).toMatchObject({ status: 401, code: "session_not_found" });
    expect(await call(null, "203.0.113.80", { cookie: good })).toMatchObject({ status: 200, r: { credential: "cookie" } });
    expect(await call(null, "203.0.113.80", { cookie: null })).toMatchObject({ status: 401, code: "missing_token" });
    expect(await call(null, "203.0.113.80", { cookie: "garbage" })).toMatchObject({ status: 401, code: "malformed_token" });
  });

  it("fails closed (503) when the Redis store is down", async () => {
    const { call, fake } = setup();
    fake.failing = true;
    const res = await call(`Bearer ${signToken(key, claims({ issuer }))}`);
    expect(res).toMatchObject({ status: 503, code: "verifier_unavailable" });
  });

  it("block check, revocation lookup (and nothing else) are the only awaited Redis calls on the success path", async () => {
    const { call, fake } = setup();
    fake.calls = [];
    await call(`Bearer ${signToken(key, claims({ issuer }))}`);
    expect(fake.calls.slice(0, 2).sort()).toEqual(["mget", "mget"]);
  });
});

describe("≤ 500 ms all-clear caches", () => {
  it("a revocation written by another instance is effective here within the cache TTL; Redis is skipped while fresh", async () => {
    const { fake, redis } = memoryRedis();
    let now = Date.now();
    fake.clock = () => now;
    const verify = createTokenVerifier({ issuer, algorithms: ["ES256"], jwks: createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)) });
    const instance = () => ({
      verify,
      revocation: createRevocationStore({ redis, now: () => now }),
      monitor: createAuthMonitor({ redis, now: () => now }),
      clear: { revocation: createShortCache<never>({ ttlMs: 500, now: () => now }), blocks: createShortCache<never>({ ttlMs: 500, now: () => now }) },
    });
    const A = instance();
    const B = instance();
    const sid = randomUUID();
    const token = signToken(key, claims({ issuer, sessionId: sid }));
    const call = (deps: AuthenticateDeps) =>
      authenticate({ request: new Request("https://app.example/", { headers: { authorization: `Bearer ${token}` } }), ip: "203.0.113.90" }, deps).then(
        () => 200,
        (err: unknown) => (err instanceof AuthError ? 401 : 500),
      );
    expect(await call(B)).toBe(200);
    fake.calls = [];
    expect(await call(B)).toBe(200);
    expect(fake.calls).toEqual([]); // served from the all-clear cache
    await A.revocation.revokeSessions([sid]);
    now += 499;
    expect(await call(B)).toBe(200); // still inside the bound
    now += 2;
    expect(await call(B)).toBe(401);
    expect(await call(A)).toBe(401);
  });
});
