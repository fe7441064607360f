/**
 * Bad input on the mail / verify / invite / MFA endpoints: GoTrue's 4xx codes and messages, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFlowTestServer, type FlowTestServer } from "./testing";

let srv: FlowTestServer;
let adminToken: string;

beforeAll(async () => {
  srv = await startFlowTestServer();
  adminToken = srv.auth.serviceRoleKey;
});
afterAll(async () => {
  await srv?.stop();
});

async function call(method: string, path: string, body?: unknown, opts: { admin?: boolean; raw?: string } = {}) {
  const headers: Record<string, string> = {
    apikey: srv.auth.publishableKey,
    "content-type": "application/json",
    "x-supabase-api-version": "2024-01-01",
  };
  if (opts.admin) headers.authorization = `Bearer ${adminToken}`;
  const res = await fetch(`${srv.auth.url}/auth/v1${path}`, {
    method,
    headers,
    body: opts.raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    redirect: "manual",
  });
  const text = await res.text();
  let json: { code?: string; message?: string } = {};
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    // not JSON (redirects)
  }
  return { status: res.status, json, headers: res.headers };
}

describe("bad input never yields a 500", () => {
  const cases: [string, string, string, unknown, { admin?: boolean; raw?: string }, number, string, string?][] = [
    ["verify: malformed JSON", "POST", "/verify", undefined, { raw: "{" }, 400, "bad_json"],
    ["verify: no type", "POST", "/verify", { token_hash: "abc" }, {}, 400, "validation_failed", "Verify requires a verification type"],
    ["verify: token and token_hash", "POST", "/verify", { type: "email", token: "1", token_hash: "a", email: "a@b.co" }, {}, 400, "validation_failed"],
    ["verify: token without email", "POST", "/verify", { type: "email", token: "123456" }, {}, 400, "validation_failed"],
    ["verify: token_hash with email", "POST", "/verify", { type: "email", token_hash: "abc", email: "a@b.co" }, {}, 400, "validation_failed", "Only the token_hash and type should be provided"],
    ["verify: unknown type", "POST", "/verify", { type: "weird", token_hash: "abc" }, {}, 400, "validation_failed", "Invalid email verification type"],
    ["verify: bad email", "POST", "/verify", { type: "email", token: "123456", email: "nope" }, {}, 422, "validation_failed", "Invalid email format"],
    ["verify: wrong field type", "POST", "/verify", { type: 1, token_hash: "abc" }, {}, 400, "bad_json"],
    ["verify: unknown hash", "POST", "/verify", { type: "signup", token_hash: "f".repeat(56) }, {}, 403, "otp_expired", "Email link is invalid or has expired"],
    ["verify GET: no type", "GET", "/verify?token=abc", undefined, {}, 400, "validation_failed"],
    ["verify GET: no token", "GET", "/verify?type=signup", undefined, {}, 400, "validation_failed"],
    ["otp: email and phone", "POST", "/otp", { email: "a@b.co", phone: "+15555550100" }, {}, 400, "validation_failed"],
    ["otp: nothing", "POST", "/otp", {}, {}, 400, "validation_failed", "One of email or phone must be set"],
    ["otp: phone", "POST", "/otp", { phone: "+15555550100" }, {}, 400, "phone_provider_disabled"],
    ["otp: create_user not bool", "POST", "/otp", { email: "a@b.co", create_user: "yes" }, {}, 400, "bad_json"],
    ["otp: bad challenge", "POST", "/otp", { email: "a@b.co", code_challenge: "short", code_challenge_method: "s256" }, {}, 400, "validation_failed"],
    ["resend: unknown type", "POST", "/resend", { type: "nope", email: "a@b.co" }, {}, 400, "validation_failed"],
    ["resend: signup without email", "POST", "/resend", { type: "signup" }, {}, 400, "validation_failed", "Type provided requires an email address"],
    ["invite: no admin", "POST", "/invite", { email: "a@b.co" }, {}, 403, "not_admin"],
    ["invite: bad email", "POST", "/invite", { email: "nope" }, { admin: true }, 400, "validation_failed"],
    ["invite: data not object", "POST", "/invite", { email: "a@b.co", data: [1] }, { admin: true }, 400, "bad_json"],
    ["generate_link: bad type", "POST", "/admin/generate_link", { type: "x", email: "a@b.co" }, { admin: true }, 400, "validation_failed"],
    ["generate_link: signup without password", "POST", "/admin/generate_link", { type: "signup", email: "new-x@b.co" }, { admin: true }, 400, "validation_failed"],
    ["generate_link: email change for an unknown user", "POST", "/admin/generate_link", { type: "email_change_new", email: "a@b.co" }, { admin: true }, 404, "user_not_found"],
    ["reauthenticate: no session", "GET", "/reauthenticate", undefined, {}, 403, "bad_jwt"],
    ["admin factors: bad user id", "GET", "/admin/users/nope/factors", undefined, { admin: true }, 404, "validation_failed"],
    ["admin factors: unknown user", "GET", `/admin/users/${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}/factors`, undefined, { admin: true }, 404, "user_not_found"],
  ];

  for (const [name, method, path, body, opts, status, code, message] of cases) {
    it(name, async () => {
      const r = await call(method, path, body, opts);
      expect(r.status).toBe(status);
      expect(r.json.code).toBe(code);
      if (message) expect(r.json.message).toBe(message);
    });
  }

  it("GET /verify with a bad token redirects with the error instead of answering JSON", async () => {
    const r = await call("GET", "/verify?type=recovery&token=deadbeef&redirect_to=http://localhost:3000/x");
    expect(r.status).toBe(303);
    const loc = new URL(r.headers.get("location")!);
    expect(loc.pathname).toBe("/x");
    const frag = new URLSearchParams(loc.hash.slice(1));
    expect(frag.get("error")).toBe("access_denied");
    expect(frag.get("error_code")).toBe("otp_expired");
    expect(frag.has("sb")).toBe(true);
  });
});
