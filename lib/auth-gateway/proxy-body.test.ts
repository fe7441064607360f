/**
 * Hostile-review regression (H8): the gateway's hooks only read JSON bodies labelled `application/json`, but GoTrue
 * decodes any body as JSON (whatever the Content-Type), ignores trailing data and matches field names
 * case-insensitively. `Content-Type: text/plain` therefore hid the email from the account lockout and the per-email
 * limits (measured: 8 wrong passwords for one account from rotating IPs, never blocked), and would hide a new password
 * from the password-policy and current-password gates. The hooks now see every body, with top-level names lower-cased (as Go matches
 * them), and bodies they could read differently from the upstream are refused before it is called.
 */
import { describe, expect, it, vi } from "vitest";
import type { BeforeProxyHook } from "@/lib/auth-gateway/hooks";
import { proxyAuthRequest } from "@/lib/auth-gateway/proxy";

function run(body: string, headers: Record<string, string> = {}) {
  const seen: unknown[] = [];
  const hook: BeforeProxyHook = async (ctx) => {
    seen.push(ctx.body);
    return undefined;
  };
  const fetchImpl = vi.fn(async () => Response.json({}));
  const response = proxyAuthRequest(new Request("http://app.test/auth/v1/token?grant_type=password", { method: "POST", headers, body }), {
    upstream: "http://upstream.test",
    ip: "203.0.113.9",
    fetch: fetchImpl as unknown as typeof fetch,
    hooks: { beforeProxy: [hook], afterProxyBlocking: [], afterProxy: [] },
  });
  return { response, fetchImpl, seen };
}

const credentials = JSON.stringify({ email: "victim@example.com", password: "guess-1" });

describe("auth gateway request bodies", () => {
  it.each([
    ["text/plain", { "content-type": "text/plain" }],
    ["a form type", { "content-type": "application/x-www-form-urlencoded" }],
    ["no declared type", {}],
    ["application/json", { "content-type": "application/json" }],
  ])("hooks see the JSON body sent as %s", async (_name, headers) => {
    const { response, seen, fetchImpl } = run(credentials, headers);
    expect((await response).status).toBe(200);
    expect(seen).toEqual([{ email: "victim@example.com", password: "guess-1" }]);
    expect(fetchImpl).toHaveBeenCalledOnce();
  });

  it.each([
    ["trailing data after the object (Go's decoder would still act on it)", `${credentials} trailing`],
    ["two objects", `${credentials}${credentials}`],
    ["a form body", "email=victim%40example.com&password=guess-1"],
    ["not JSON at all", "{"],
  ])("refuses %s with 400 before hooks or upstream run", async (_name, body) => {
    const { response, seen, fetchImpl } = run(body, { "content-type": "text/plain" });
    const res = await response;
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error_code: string }).error_code).toBe("bad_json");
    expect(seen).toEqual([]);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it("shows the hooks top-level names lower-cased, as Go matches them (no lockout bypass with {\"Email\": …})", async () => {
    const { response, seen } = run('{"Email":"victim@example.com","Password":"guess-1","factorId":"f"}', { "content-type": "application/json" });
    expect((await response).status).toBe(200);
    expect(seen).toEqual([{ email: "victim@example.com", password: "guess-1", factorid: "f" }]);
  });

  it.each(['{"email":"decoy@example.com","EMAIL":"victim@example.com","password":"x"}', '{"password":"a","Password":"b"}'])(
    "refuses names that differ only in case (which one would Go use?): %s",
    async (body) => {
      const { response, seen, fetchImpl } = run(body, { "content-type": "application/json" });
      expect((await response).status).toBe(400);
      expect(seen).toEqual([]);
      expect(fetchImpl).not.toHaveBeenCalled();
    },
  );

  it("keeps a __proto__ field a plain field", async () => {
    const { response, seen } = run('{"email":"a@example.com","__proto__":{"polluted":true}}', { "content-type": "application/json" });
    expect((await response).status).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
  });

  it("leaves nested user metadata alone and bodiless calls untouched", async () => {
    const nested = run('{"email":"a@example.com","password":"long enough passphrase","data":{"DisplayName":"A"}}', { "content-type": "application/json" });
    expect((await nested.response).status).toBe(200);
    const fetchImpl = vi.fn(async () => new Response(null, { status: 204 }));
    const logout = await proxyAuthRequest(new Request("http://app.test/auth/v1/logout", { method: "POST", headers: { authorization: "Bearer x" } }), {
      upstream: "http://upstream.test",
      ip: null,
      fetch: fetchImpl as unknown as typeof fetch,
    });
    expect(logout.status).toBe(204);
  });
});
