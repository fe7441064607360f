import { describe, expect, it, vi } from "vitest";
import { FORGOT_REPLY, requestPasswordReset, type ForgotDeps } from "./request-reset";

function deps(over: Partial<ForgotDeps> = {}) {
  let t = 0;
  const slept: number[] = [];
  const d: ForgotDeps = {
    rateLimit: async () => null,
    sendReset: async () => undefined,
    minDurationMs: 1000,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    ...over,
  };
  return { d, slept, advance: (ms: number) => (t += ms), time: () => t };
}

describe("requestPasswordReset", () => {
  it("answers the same for a known and an unknown account, even when upstream errors for one of them", async () => {
    const known = deps({ sendReset: async () => undefined });
    const unknown = deps({ sendReset: async () => { throw Object.assign(new Error("over_email_send_rate_limit"), { status: 429 }); } });
    const a = await requestPasswordReset("known@example.com", "1.2.3.4", known.d);
    const b = await requestPasswordReset("unknown@example.com", "1.2.3.4", unknown.d);
    expect(a).toEqual(b);
    expect(a).toEqual({ status: 200, body: { ok: true, message: FORGOT_REPLY } });
  });

  it("pads every reply to the minimum duration and never waits for the upstream call", async () => {
    const fast = deps();
    await requestPasswordReset("a@example.com", null, fast.d);
    expect(fast.time()).toBe(1000);
    // An upstream call that never finishes (slow SMTP for an existing account) does not delay the reply.
    const background: Promise<void>[] = [];
    const slow = deps({ sendReset: () => new Promise<void>(() => undefined), background: (p) => background.push(p) });
    slow.advance(50); // e.g. the rate-limit round trip
    const r = await requestPasswordReset("a@example.com", null, slow.d);
    expect(r.status).toBe(200);
    expect(slow.slept).toEqual([1000]);
    expect(background).toHaveLength(1);
  });

  it("counts the minimum duration from the request's arrival when given", async () => {
    const x = deps();
    x.advance(400); // body parsing, cold start
    await requestPasswordReset("a@example.com", null, { ...x.d, startedAt: 0 });
    expect(x.slept).toEqual([600]);
    expect(x.time()).toBe(1000);
  });

  it("normalises the email before limiting and sending", async () => {
    const sendReset = vi.fn(async () => undefined);
    const rateLimit = vi.fn(async () => null);
    const background: Promise<void>[] = [];
    await requestPasswordReset("  Person@Example.COM ", "1.2.3.4", deps({ sendReset, rateLimit, background: (p) => background.push(p) }).d);
    await Promise.all(background);
    expect(rateLimit).toHaveBeenCalledWith("person@example.com", "1.2.3.4");
    expect(sendReset).toHaveBeenCalledWith("person@example.com");
  });

  it("refuses malformed input with 400 and never calls upstream", async () => {
    const sendReset = vi.fn(async () => undefined);
    for (const bad of ["", "nope", 42, null, { email: "a@b.co" }, "a@b.co\r\nBcc: x@y.zz", "x".repeat(300) + "@b.co"]) {
      const r = await requestPasswordReset(bad, null, deps({ sendReset }).d);
      expect(r.status).toBe(400);
    }
    expect(sendReset).not.toHaveBeenCalled();
  });

  it("when limited: 429 with minutes in the message, no mail sent, still padded", async () => {
    const sendReset = vi.fn(async () => undefined);
    const x = deps({ sendReset, rateLimit: async () => 600 });
    const r = await requestPasswordReset("a@example.com", "1.2.3.4", x.d);
    expect(r).toMatchObject({ status: 429, retryAfterSeconds: 600, body: { error: "rate_limited", retry_after: 600 } });
    expect(r.body.message).toContain("10 minutes");
    expect(sendReset).not.toHaveBeenCalled();
    expect(x.time()).toBe(1000);
  });

  it("fails closed when the limiter itself throws", async () => {
    const sendReset = vi.fn(async () => undefined);
    const r = await requestPasswordReset("a@example.com", null, deps({ sendReset, rateLimit: async () => { throw new Error("redis down"); } }).d);
    expect(r.status).toBe(429);
    expect(sendReset).not.toHaveBeenCalled();
  });
});
