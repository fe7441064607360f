import { afterEach, describe, expect, it } from "vitest";
import { logger, redact, redactString, setLogSink, type LogSink } from "./logger";

const jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
let restore: LogSink | undefined;
afterEach(() => {
  if (restore) setLogSink(restore);
});

describe("logger redaction", () => {
  it("masks secret-bearing keys at any depth", () => {
    const out = redact({
      password: "hunter2",
      new_password: "x",
      body: { refresh_token: "abc", access_token: jwt, code: "123456", token_hash: "deadbeef", nested: { Authorization: "Bearer abc" } },
      session_id: "5b9c1f0e-0000-4000-8000-000000000000",
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|abc|123456|deadbeef|eyJ/);
    expect(out).toMatchObject({ session_id: "5b9c1f0e-0000-4000-8000-000000000000" });
  });
  it("masks JWTs, bearer credentials, secret keys and URL queries/fragments inside free text", () => {
    const s = redactString(
      `token ${jwt} header Bearer abc.def key sb_secret_N7UND0Ug url https://x.example/reset?token_hash=abc&type=recovery#access_token=${jwt} done`,
    );
    expect(s).not.toMatch(/eyJ|abc\.def|N7UND0Ug|token_hash=abc/);
    expect(s).toContain("https://x.example/reset?[REDACTED]");
    expect(redactString("plain message")).toBe("plain message");
  });
  it("writes one JSON line per call, newline-safe and cycle-safe", () => {
    const lines: string[] = [];
    restore = setLogSink((_level, line) => lines.push(line));
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    logger.warn("evil\nline", { cyclic, err: new Error(`bad ${jwt}`) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ level: "warn", msg: "evil\nline", cyclic: { a: 1, self: "[Circular]" }, err: { message: "bad [JWT]" } });
  });
});
