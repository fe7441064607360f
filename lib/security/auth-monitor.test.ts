import { describe, expect, it } from "vitest";
import { createAuthMonitor, subjectKeys, AUTH_MONITOR_POLICY } from "./auth-monitor";
import { memoryRedis } from "@/tests/helpers/memory-redis";
import type { AuditEventInput } from "@/lib/audit/types";

function setup() {
  const { fake, redis } = memoryRedis();
  let now = 1_800_000_000_000;
  fake.clock = () => now;
  const events: AuditEventInput[] = [];
  const monitor = createAuthMonitor({ redis, now: () => now, audit: (e) => void events.push(e) });
  return { monitor, events, advance: (ms: number) => (now += ms), fake };
}

describe("auth monitor", () => {
  it("5 failures from one IP in 15 min block that IP for 30 min; other IPs unaffected", async () => {
    const { monitor, events, advance } = setup();
    for (let i = 0; i < 4; i++) {
      expect((await monitor.recordAuthFailure({ ip: "203.0.113.7", reason: "invalid_token" })).blocked).toBe(false);
      advance(60_000);
    }
    const fifth = await monitor.recordAuthFailure({ ip: "203.0.113.7", reason: "invalid_token" });
    expect(fifth).toMatchObject({ blocked: true, retryAfterSeconds: 1800, key: "ip:203.0.113.7" });
    expect(await monitor.checkBlocked({ ip: "203.0.113.7" })).toMatchObject({ blocked: true });
    expect(await monitor.checkBlocked({ ip: "203.0.113.8" })).toEqual({ blocked: false, retryAfterSeconds: 0 });
    expect(events.map((e) => e.event)).toEqual([...Array(5).fill("authn_login_fail"), "authn_login_fail_max", "authn_login_lock"]);
    advance(AUTH_MONITOR_POLICY.blockMs - 1000);
    expect((await monitor.checkBlocked({ ip: "203.0.113.7" })).retryAfterSeconds).toBe(1);
    advance(1000);
    expect((await monitor.checkBlocked({ ip: "203.0.113.7" })).blocked).toBe(false);
  });
  it("failures older than the window do not count", async () => {
    const { monitor, advance } = setup();
    for (let i = 0; i < 4; i++) await monitor.recordAuthFailure({ ip: "198.51.100.1", reason: "x" });
    advance(15 * 60_000 + 1);
    expect((await monitor.recordAuthFailure({ ip: "198.51.100.1", reason: "x" })).blocked).toBe(false);
  });
  it("counts per account and per IP+account; blocks the account across IPs", async () => {
    const { monitor } = setup();
    for (let i = 0; i < 5; i++) await monitor.recordAuthFailure({ ip: `192.0.2.${i + 1}`, account: "Alice@Example.com", reason: "invalid_credentials" });
    expect(await monitor.checkBlocked({ ip: "192.0.2.99", account: "alice@example.com" })).toMatchObject({ blocked: true, key: "acct:alice@example.com" });
    expect((await monitor.checkBlocked({ ip: "192.0.2.99", account: "bob@example.com" })).blocked).toBe(false);
    expect((await monitor.checkBlocked({ ip: "192.0.2.1" })).blocked).toBe(false);
  });
  it("groups IPv6 by /64", async () => {
    const { monitor } = setup();
    for (let i = 0; i < 5; i++) await monitor.recordAuthFailure({ ip: `2001:db8:1:2::${i + 1}`, reason: "x" });
    expect((await monitor.checkBlocked({ ip: "2001:db8:1:2:ffff::1" })).blocked).toBe(true);
    expect((await monitor.checkBlocked({ ip: "2001:db8:1:3::1" })).blocked).toBe(false);
    expect(subjectKeys({ ip: "2001:db8:1:2::1" })).toEqual(["ip:2001:db8:1:2::/64"]);
  });
  it("an admin can list and lift a block (audited)", async () => {
    const { monitor, events } = setup();
    for (let i = 0; i < 5; i++) await monitor.recordAuthFailure({ ip: "203.0.113.9", reason: "x" });
    expect((await monitor.listBlocks()).map((b) => b.key)).toEqual(["ip:203.0.113.9"]);
    expect(await monitor.liftBlock("ip:203.0.113.9", "admin-id")).toBe(true);
    expect((await monitor.checkBlocked({ ip: "203.0.113.9" })).blocked).toBe(false);
    expect(await monitor.listBlocks()).toEqual([]);
    expect(events.at(-1)).toMatchObject({ event: "authn_login_unlock", actorUserId: "admin-id", target: "ip:203.0.113.9" });
    // the failure window was cleared too: one more failure does not re-block
    expect((await monitor.recordAuthFailure({ ip: "203.0.113.9", reason: "x" })).blocked).toBe(false);
  });
  it("locks once under concurrent failures", async () => {
    const { monitor, events } = setup();
    await Promise.all(Array.from({ length: 12 }, () => monitor.recordAuthFailure({ ip: "203.0.113.10", reason: "x" })));
    expect(events.filter((e) => e.event === "authn_login_lock")).toHaveLength(1);
  });
  it("a null IP is tracked under the shared 'unknown' key, never skipped", async () => {
    const { monitor } = setup();
    for (let i = 0; i < 5; i++) await monitor.recordAuthFailure({ ip: null, reason: "x" });
    expect((await monitor.checkBlocked({ ip: null })).blocked).toBe(true);
  });
});
