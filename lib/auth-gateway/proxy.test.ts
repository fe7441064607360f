import { describe, expect, it, vi } from "vitest";
import type { AfterProxyHook, BeforeProxyHook, GatewayHooks } from "@/lib/auth-gateway/hooks";
import { proxyAuthRequest, upstreamPath } from "@/lib/auth-gateway/proxy";

const UPSTREAM = "http://upstream.test";

type Seen = { url: string; method: string; headers: Headers; body: string | null };

function fakeUpstream(respond: (seen: Seen) => Response | Promise<Response> = () => Response.json({ ok: true })) {
  const calls: Seen[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body ? new TextDecoder().decode(init.body as Uint8Array) : null;
    const seen = { url: String(input), method: init?.method ?? "GET", headers: new Headers(init?.headers), body };
    calls.push(seen);
    return respond(seen);
  }) as unknown as typeof fetch;
  return { calls, fetchImpl };
}

function hooks(partial: Partial<GatewayHooks>): GatewayHooks {
  return { beforeProxy: [], afterProxyBlocking: [], afterProxy: [], ...partial };
}

const req = (path: string, init?: RequestInit) => new Request(`http://app.test${path}`, init);

describe("upstreamPath", () => {
  it.each([
    ["/auth/v1/token", "/token"],
    ["/auth/v1/factors/4b1c/verify", "/factors/4b1c/verify"],
    ["/auth/v1/.well-known/jwks.json", "/.well-known/jwks.json"],
  ])("maps %s", (path, expected) => {
    expect(upstreamPath(new URL(`http://app.test${path}`))).toBe(expected);
  });

  it.each(["/auth/v1", "/auth/v1/", "/auth/v10/token", "/auth/v1/a%2F..%2Fadmin", "/auth/v1/%2e%2e%2fadmin", "/auth/v1/x/%00", "/auth/v1/a//b"])(
    "refuses %s",
    (path) => {
      expect(upstreamPath(new URL(`http://app.test${path}`))).toBeNull();
    },
  );
});

describe("proxyAuthRequest", () => {
  it("forwards method, path, query and body, and preserves status, body and Supabase headers", async () => {
    const { calls, fetchImpl } = fakeUpstream(
      () =>
        new Response(JSON.stringify({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" }), {
          status: 400,
          headers: {
            "content-type": "application/json",
            "x-supabase-api-version": "2024-01-01",
            "x-sb-error-code": "invalid_credentials",
            "set-cookie": "upstream=1",
            server: "gotrue",
          },
        }),
    );
    const response = await proxyAuthRequest(
      req("/auth/v1/token?grant_type=password", {
        method: "POST",
        headers: { "content-type": "application/json", apikey: "sb_publishable_x", "x-supabase-api-version": "2024-01-01" },
        body: JSON.stringify({ email: "a@example.com", password: "pw" }),
      }),
      { upstream: UPSTREAM, ip: "203.0.113.7", fetch: fetchImpl },
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`${UPSTREAM}/auth/v1/token?grant_type=password`);
    expect(calls[0]!.method).toBe("POST");
    expect(JSON.parse(calls[0]!.body!)).toEqual({ email: "a@example.com", password: "pw" });
    expect(calls[0]!.headers.get("apikey")).toBe("sb_publishable_x");
    expect(calls[0]!.headers.get("x-supabase-api-version")).toBe("2024-01-01");
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" });
    expect(response.headers.get("x-sb-error-code")).toBe("invalid_credentials");
    expect(response.headers.get("x-supabase-api-version")).toBe("2024-01-01");
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("server")).toBeNull();
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("strips cookies, hop-by-hop and spoofable IP headers, and sends the derived IP as Sb-Forwarded-For", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    await proxyAuthRequest(
      req("/auth/v1/user", {
        headers: {
          cookie: "sb-mindroom-auth=secret",
          authorization: "Bearer abc",
          connection: "keep-alive, x-custom-hop",
          "x-custom-hop": "1",
          "keep-alive": "timeout=5",
          "x-forwarded-for": "198.51.100.1",
          "x-forwarded-host": "evil.test",
          "x-real-ip": "198.51.100.2",
          forwarded: "for=198.51.100.3",
          "sb-forwarded-for": "198.51.100.4",
          "user-agent": "UA/1",
        },
      }),
      { upstream: UPSTREAM, ip: "203.0.113.7", fetch: fetchImpl },
    );
    const sent = calls[0]!.headers;
    for (const name of ["cookie", "connection", "x-custom-hop", "keep-alive", "x-forwarded-for", "x-forwarded-host", "x-real-ip", "forwarded", "host"]) {
      expect(sent.get(name), name).toBeNull();
    }
    expect(sent.get("sb-forwarded-for")).toBe("203.0.113.7");
    expect(sent.get("authorization")).toBe("Bearer abc");
    expect(sent.get("user-agent")).toBe("UA/1");
  });

  it("never forwards a client-sent Sb-Forwarded-For when no IP could be derived", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    await proxyAuthRequest(req("/auth/v1/settings", { headers: { "sb-forwarded-for": "198.51.100.4" } }), { upstream: UPSTREAM, ip: null, fetch: fetchImpl });
    expect(calls[0]!.headers.get("sb-forwarded-for")).toBeNull();
  });

  it("keeps a 303 from /verify with its Location instead of following it", async () => {
    const { fetchImpl } = fakeUpstream(() => new Response(null, { status: 303, headers: { location: "http://localhost:3000/#access_token=x" } }));
    const response = await proxyAuthRequest(req("/auth/v1/verify?token=t&type=recovery"), { upstream: UPSTREAM, ip: null, fetch: fetchImpl });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("http://localhost:3000/#access_token=x");
    expect((fetchImpl as unknown as ReturnType<typeof vi.fn>).mock.calls[0]![1]).toMatchObject({ redirect: "manual" });
  });

  it("passes pagination headers through", async () => {
    const { fetchImpl } = fakeUpstream(() => Response.json([], { headers: { "x-total-count": "42", link: '<x>; rel="next"' } }));
    const response = await proxyAuthRequest(req("/auth/v1/factors"), { upstream: UPSTREAM, ip: null, fetch: fetchImpl });
    expect(response.headers.get("x-total-count")).toBe("42");
    expect(response.headers.get("link")).toBe('<x>; rel="next"');
  });

  it("refuses bodies over the cap with 413 before calling upstream (declared and streamed)", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    const big = "x".repeat(70 * 1024);
    const declared = await proxyAuthRequest(req("/auth/v1/signup", { method: "POST", body: big, headers: { "content-length": String(big.length) } }), {
      upstream: UPSTREAM,
      ip: null,
      fetch: fetchImpl,
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 413, error_code: "request_too_large" });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new Uint8Array(1024));
        controller.close();
      },
    });
    const streamed = await proxyAuthRequest(req("/auth/v1/signup", { method: "POST", body: stream, duplex: "half" } as RequestInit), {
      upstream: UPSTREAM,
      ip: null,
      fetch: fetchImpl,
    });
    expect(streamed.status).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it("answers 502 when upstream is unreachable and 504 when it times out, as JSON without details", async () => {
    const down = (async () => {
      throw new TypeError("fetch failed: connect ECONNREFUSED 10.0.0.5:54321");
    }) as unknown as typeof fetch;
    const r502 = await proxyAuthRequest(req("/auth/v1/settings"), { upstream: UPSTREAM, ip: null, fetch: down });
    expect(r502.status).toBe(502);
    const text = await r502.text();
    expect(JSON.parse(text)).toMatchObject({ code: 502, error_code: "upstream_unavailable" });
    expect(text).not.toContain("10.0.0.5");

    const hang = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)))) as unknown as typeof fetch;
    const r504 = await proxyAuthRequest(req("/auth/v1/settings"), { upstream: UPSTREAM, ip: null, fetch: hang, timeoutMs: 50 });
    expect(r504.status).toBe(504);
    expect(await r504.json()).toMatchObject({ error_code: "upstream_timeout" });
  });

  it("refuses the admin API, unsafe paths and HEAD without calling upstream; answers OPTIONS without CORS", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    const opts = { upstream: UPSTREAM, ip: null, fetch: fetchImpl };
    expect((await proxyAuthRequest(req("/auth/v1/admin/users"), opts)).status).toBe(404);
    expect((await proxyAuthRequest(req("/auth/v1/a%2F..%2Fadmin"), opts)).status).toBe(404);
    expect((await proxyAuthRequest(req("/auth/v1/verify?token=t", { method: "HEAD" }), opts)).status).toBe(405);
    const preflight = await proxyAuthRequest(req("/auth/v1/token", { method: "OPTIONS", headers: { origin: "https://evil.test" } }), opts);
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(calls).toHaveLength(0);
  });

  it("lets a beforeProxy hook short-circuit with its own response and sees the parsed body and IP", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    const seen: unknown[] = [];
    const limiter: BeforeProxyHook = (ctx) => {
      seen.push({ path: ctx.path, grant: ctx.searchParams.get("grant_type"), body: ctx.body, ip: ctx.ip, method: ctx.method });
      return Response.json({ code: 429, error_code: "over_request_rate_limit", msg: "slow down" }, { status: 429, headers: { "retry-after": "60" } });
    };
    const response = await proxyAuthRequest(
      req("/auth/v1/token?grant_type=password", { method: "POST", headers: { "content-type": "application/json" }, body: '{"email":"a@example.com","password":"x"}' }),
      { upstream: UPSTREAM, ip: "203.0.113.9", fetch: fetchImpl, hooks: hooks({ beforeProxy: [limiter] }) },
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("60");
    expect(calls).toHaveLength(0);
    expect(seen).toEqual([{ path: "/token", grant: "password", body: { email: "a@example.com", password: "x" }, ip: "203.0.113.9", method: "POST" }]);
  });

  it("fails closed with 503 when a beforeProxy hook throws", async () => {
    const { calls, fetchImpl } = fakeUpstream();
    const broken: BeforeProxyHook = () => {
      throw new Error("redis down");
    };
    const response = await proxyAuthRequest(req("/auth/v1/token?grant_type=password", { method: "POST", body: "{}" }), {
      upstream: UPSTREAM,
      ip: null,
      fetch: fetchImpl,
      hooks: hooks({ beforeProxy: [broken] }),
    });
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain("redis");
    expect(calls).toHaveLength(0);
  });

  it("reports status and GoTrue error code to after-hooks; blocking hooks run before the response, others are scheduled", async () => {
    const { fetchImpl } = fakeUpstream(() => Response.json({ code: 400, error_code: "invalid_credentials", msg: "Invalid login credentials" }, { status: 400 }));
    const order: string[] = [];
    const blocking: AfterProxyHook = (_ctx, result) => {
      order.push(`blocking:${result.status}:${result.errorCode}`);
    };
    const later: AfterProxyHook = (ctx, result) => {
      order.push(`after:${ctx.path}:${result.errorCode}`);
    };
    const failing: AfterProxyHook = () => {
      throw new Error("audit down");
    };
    const scheduled: Array<() => Promise<void>> = [];
    const response = await proxyAuthRequest(req("/auth/v1/token?grant_type=password", { method: "POST", body: "{}" }), {
      upstream: UPSTREAM,
      ip: null,
      fetch: fetchImpl,
      hooks: hooks({ afterProxyBlocking: [failing, blocking], afterProxy: [failing, later] }),
      schedule: (task) => scheduled.push(task),
    });
    expect(response.status).toBe(400);
    expect(order).toEqual(["blocking:400:invalid_credentials"]);
    expect(scheduled).toHaveLength(1);
    await scheduled[0]!();
    expect(order).toEqual(["blocking:400:invalid_credentials", "after:/token:invalid_credentials"]);
  });
});
