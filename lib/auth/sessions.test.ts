import { describe, expect, it, vi } from "vitest";
import { deviceLabel, isUuid, revokeSession } from "./sessions";
import type { RevocationStore } from "./revocation";

describe("sessions helpers", () => {
  it("labels devices from the user agent", () => {
    expect(deviceLabel("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15")).toBe(
      "Safari 17 on macOS",
    );
    expect(deviceLabel("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")).toBe("Chrome 124 on Linux");
    expect(deviceLabel(null)).toBe("Unknown device");
    expect(deviceLabel("curl/8.5.0")).toBe("Unknown device");
  });
  it("an id that is not a UUID is 'not found' without touching the database or Redis", async () => {
    const db = { query: vi.fn() };
    const revocation = { revokeSessions: vi.fn() } as unknown as RevocationStore;
    expect(isUuid("../../etc")).toBe(false);
    expect(await revokeSession(db as never, revocation, "u", "../../etc")).toBe(false);
    expect(db.query).not.toHaveBeenCalled();
  });
  it("a session that is not the caller's is 'not found' and nothing is denylisted", async () => {
    const db = { query: vi.fn(async () => ({ rows: [] })) };
    const revocation = { revokeSessions: vi.fn() } as unknown as RevocationStore;
    expect(await revokeSession(db as never, revocation, "5b9c1f0e-0000-4000-8000-000000000001", "5b9c1f0e-0000-4000-8000-000000000002")).toBe(false);
    expect(revocation.revokeSessions).not.toHaveBeenCalled();
  });
});
