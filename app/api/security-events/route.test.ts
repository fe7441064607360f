import { beforeEach, describe, expect, it, vi } from "vitest";

const recorded: unknown[] = [];
vi.mock("@/lib/audit", () => ({ auditEvent: (e: unknown) => recorded.push(e) }));

process.env.DATABASE_URL ??= "postgres://postgres:postgres@127.0.0.1:1/postgres";
process.env.UPSTASH_REDIS_REST_URL ??= "http://127.0.0.1:1";
process.env.UPSTASH_REDIS_REST_TOKEN ??= "test-token";
const { POST } = await import("./route");

const url = "http://localhost:3000/api/security-events";
const post = (body: BodyInit, type: string, headers: Record<string, string> = {}) =>
  POST(new Request(url, { method: "POST", body, headers: { "content-type": type, ...headers } }));

describe("POST /api/security-events", () => {
  beforeEach(() => {
    recorded.length = 0;
  });

  it("records a CSP report and answers 204", async () => {
    const res = await post(JSON.stringify({ "csp-report": { "document-uri": "http://localhost:3000/login?x=1", "blocked-uri": "inline", "violated-directive": "script-src" } }), "application/csp-report");
    expect(res.status).toBe(204);
    expect(recorded).toEqual([expect.objectContaining({ event: "malicious_csp_violation", target: "http://localhost:3000/login" })]);
  });

  it("refuses bodies over 16 KiB with 413 (declared or streamed)", async () => {
    const big = JSON.stringify({ "csp-report": { "document-uri": "x".repeat(20_000) } });
    expect((await post(big, "application/csp-report")).status).toBe(413);
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res = await POST(new Request(url, { method: "POST", body: stream, headers: { "content-type": "application/csp-report" }, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(recorded).toHaveLength(0);
  });

  it("415 for other content types, 400 for malformed JSON — never 500", async () => {
    expect((await post("hello", "text/plain")).status).toBe(415);
    const bad = await post("{", "application/json");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "invalid_request", message: "Body must be JSON." });
    expect(recorded).toHaveLength(0);
  });
});
