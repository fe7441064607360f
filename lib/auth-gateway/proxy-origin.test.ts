/**
 * Hostile-review regression (H8): the auth gateway proxied cross-site POSTs (Origin: https://evil.example, even with a
 * text/plain "simple" body) to the upstream, so any web page could make its visitors' browsers trigger recovery/OTP
 * mails and sign-ups. With `allowedOrigins` a foreign Origin on a non-GET request is refused before the body is read.
 */
import { describe, expect, it, vi } from "vitest";
import { proxyAuthRequest } from "@/lib/auth-gateway/proxy";

const SITE = "http://app.test";

function run(init: { method: string; headers?: Record<string, string>; path?: string }) {
  const fetchImpl = vi.fn(async () => Response.json({}));
  const request = new Request(`${SITE}${init.path ?? "/auth/v1/recover"}`, {
    method: init.method,
    headers: init.headers,
    body: init.method === "GET" ? undefined : '{"email":"victim@example.com"}',
  });
  const response = proxyAuthRequest(request, { upstream: "http://upstream.test", ip: "203.0.113.9", fetch: fetchImpl as unknown as typeof fetch, allowedOrigins: [SITE, "https://sso.example.com"] });
  return { response, fetchImpl };
}

describe("auth gateway Origin check", () => {
  it.each([
    ["a foreign origin", { origin: "https://evil.example", "content-type": "text/plain" }],
    ["a look-alike origin", { origin: `${SITE}.evil.example` }],
    ["Origin: null from another site", { origin: "null", "sec-fetch-site": "cross-site" }],
    ["Origin: null without Fetch Metadata", { origin: "null" }],
  ])("refuses a POST with %s (403, upstream never called)", async (_name, headers) => {
    const { response, fetchImpl } = run({ method: "POST", headers });
    const res = await response;
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(((await res.json()) as { error_code: string }).error_code).toBe("forbidden_origin");
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it.each(["PUT", "PATCH", "DELETE"])("refuses %s with a foreign origin too", async (method) => {
    const { response, fetchImpl } = run({ method, path: "/auth/v1/user", headers: { origin: "https://evil.example" } });
    expect((await response).status).toBe(403);
    expect(fetchImpl).not.toHaveBeenCalled();
  });

  it.each([
    ["our origin", { origin: SITE }],
    ["another allowed origin", { origin: "https://sso.example.com" }],
    ["Origin: null from our own no-referrer page", { origin: "null", "sec-fetch-site": "same-origin" }],
    ["no Origin (server-side client)", {}],
  ])("forwards a POST with %s", async (_name, headers) => {
    const { response, fetchImpl } = run({ method: "POST", headers });
    expect((await response).status).toBe(200);
    expect(fetchImpl).toHaveBeenCalledOnce();
  });

  it("leaves GET alone (email links are cross-site top-level navigations)", async () => {
    const { response, fetchImpl } = run({ method: "GET", path: "/auth/v1/settings", headers: { origin: "https://evil.example" } });
    expect((await response).status).toBe(200);
    expect(fetchImpl).toHaveBeenCalledOnce();
  });
});
