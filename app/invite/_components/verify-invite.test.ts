import { describe, expect, it, vi } from "vitest";
import { verifyInviteToken } from "./verify-invite";

const session = (email: string) => ({ data: { session: { user: { email } }, user: { email } }, error: null });
const expired = { data: { session: null, user: null }, error: { code: "otp_expired", status: 403 } };

function auth(over: Record<string, unknown> = {}) {
  return { auth: { verifyOtp: vi.fn(async () => expired), exchangeCodeForSession: vi.fn(async () => expired), ...over } } as never;
}

describe("verifyInviteToken", () => {
  it("verifies a token hash as invite first", async () => {
    const c = auth({ verifyOtp: vi.fn(async () => session("p@example.com")) });
    expect(await verifyInviteToken(c, { token: "h".repeat(56), email: null, param: "token_hash" })).toEqual({ email: "p@example.com", error: null });
    expect((c as { auth: { verifyOtp: ReturnType<typeof vi.fn> } }).auth.verifyOtp).toHaveBeenCalledWith({ token_hash: "h".repeat(56), type: "invite" });
  });

  it("falls back to signup when invite says expired/invalid", async () => {
    const verifyOtp = vi.fn().mockResolvedValueOnce(expired).mockResolvedValueOnce(session("p@example.com"));
    const r = await verifyInviteToken(auth({ verifyOtp }), { token: "123456789012", email: "p@example.com", param: "token" });
    expect(r.email).toBe("p@example.com");
    expect(verifyOtp.mock.calls.map((c) => c[0])).toEqual([
      { email: "p@example.com", token: "123456789012", type: "invite" },
      { email: "p@example.com", token: "123456789012", type: "signup" },
    ]);
  });

  it("does not retry after a rate limit", async () => {
    const verifyOtp = vi.fn(async () => ({ data: { session: null }, error: { code: "over_request_rate_limit", status: 429 } }));
    const r = await verifyInviteToken(auth({ verifyOtp }), { token: "x".repeat(20), email: null, param: "token_hash" });
    expect(r.error).toEqual({ code: "over_request_rate_limit" });
    expect(verifyOtp).toHaveBeenCalledTimes(1);
  });

  it("exchanges PKCE codes and reports failures with a code", async () => {
    const ok = auth({ exchangeCodeForSession: vi.fn(async () => session("c@example.com")) });
    expect((await verifyInviteToken(ok, { token: "uuid-like-code", email: null, param: "code" })).email).toBe("c@example.com");
    const bad = await verifyInviteToken(auth(), { token: "uuid-like-code", email: null, param: "code" });
    expect(bad.error).toEqual({ code: "otp_expired" });
  });
});
