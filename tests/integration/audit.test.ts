// Audit log: migration applies (twice), rows written off the caller's path, chain verifies, tampering is detected,
// RLS lets a user read only their own rows, and a Postgres outage mid-run loses nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { Pool } from "pg";
import { createAuditWriter } from "@/lib/audit/writer";
import { createRedisAuditQueue, queueAuditEvent } from "@/lib/audit/queue";
import { verifyAuditChain } from "@/lib/audit/verify-chain";
import { memoryRedis } from "@/tests/helpers/memory-redis";
import { testDatabaseUrl } from "@/tests/helpers/audit-db";

const MIGRATION = readFileSync("supabase/migrations/20261122150000_audit_logs.sql", "utf8");

/** A TCP proxy in front of Postgres that can be "stopped" (drops and refuses connections) and restarted. */
async function pausableProxy(target: URL) {
  const sockets = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) return client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    stop() {
      up = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    start() {
      up = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let admin: Pool;
let pool: Pool;
let dbName: string;
let baseUrl: URL;

beforeAll(async () => {
  baseUrl = new URL(await testDatabaseUrl());
  admin = new Pool({ connectionString: baseUrl.toString(), max: 1 });
  dbName = `audit_test_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(baseUrl);
  url.pathname = `/${dbName}`;
  pool = new Pool({ connectionString: url.toString(), max: 4 });
  pool.on("error", () => {});
  admin.on("error", () => {});
  await pool.query(MIGRATION);
  await pool.query(MIGRATION); // idempotent
});
afterAll(async () => {
  await pool?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin?.end();
});

const userA = randomUUID();
const userB = randomUUID();

describe("audit log", () => {
  it("writes buffered events, mirrors nothing secret, and the chain verifies", async () => {
    const writer = createAuditWriter({ pool, manual: true });
    writer.enqueue({ event: "authn_login_fail", outcome: "failure", actorUserId: userA, ip: "203.0.113.1", details: { reason: "invalid_credentials", password: "hunter2" } });
    writer.enqueue({ event: "authn_token_revoked", outcome: "success", actorUserId: userB, sessionId: randomUUID(), target: "session:x" });
    writer.enqueue({ event: "authn_login_success", outcome: "success", actorUserId: "not-a-uuid", details: { token: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln" } });
    expect(writer.pending()).toBe(3);
    expect(await writer.flush()).toBe(3);
    const { rows } = await pool.query("SELECT event, actor_user_id, details FROM public.audit_logs ORDER BY id");
    expect(rows.map((r) => r.event)).toEqual(["authn_login_fail", "authn_token_revoked", "authn_login_success"]);
    expect(JSON.stringify(rows)).not.toMatch(/hunter2|eyJ/);
    expect(rows[2]).toMatchObject({ actor_user_id: null, details: { actorUserIdRaw: "not-a-uuid" } });
    expect(await verifyAuditChain(pool)).toEqual({ ok: true, checked: 3 });
  });

  it("two writers (two instances) keep one chain", async () => {
    const w1 = createAuditWriter({ pool, manual: true, batchSize: 3 });
    const w2 = createAuditWriter({ pool, manual: true, batchSize: 3 });
    for (let i = 0; i < 20; i++) {
      w1.enqueue({ event: "sys_monitor", outcome: "info", details: { i, w: 1 } });
      w2.enqueue({ event: "sys_monitor", outcome: "info", details: { i, w: 2 } });
    }
    await Promise.all([w1.flush(), w2.flush()]);
    expect((await verifyAuditChain(pool)).ok).toBe(true);
  });

  it("drains the Edge queue (Redis list) into the table", async () => {
    const { redis } = memoryRedis();
    await queueAuditEvent(redis, { event: "excess_rate_limit_exceeded", outcome: "failure", ip: "198.51.100.4", target: "policy:sso-cookie-post" });
    await redis.rpush("audit:q", "not json", JSON.stringify({ event: "bogus_event", outcome: "weird" }));
    const writer = createAuditWriter({ pool, manual: true, queue: createRedisAuditQueue(redis) });
    expect(await writer.flush()).toBe(2);
    const { rows } = await pool.query("SELECT event, outcome, details FROM public.audit_logs ORDER BY id DESC LIMIT 2");
    expect(rows[1]).toMatchObject({ event: "excess_rate_limit_exceeded", outcome: "failure" });
    expect(rows[0]).toMatchObject({ event: "sys_monitor", outcome: "info", details: { unknownEvent: "bogus_event" } });
  });

  it("Postgres stopped mid-run: events stay buffered and all arrive after it returns", async () => {
    const proxy = await pausableProxy(new URL(pool.options.connectionString!));
    const flaky = new Pool({ connectionString: proxy.url, max: 2, connectionTimeoutMillis: 500 });
    flaky.on("error", () => {});
    const writer = createAuditWriter({ pool: flaky, manual: true });
    const marker = randomUUID();
    try {
      for (let i = 0; i < 5; i++) writer.enqueue({ event: "authn_login_fail", outcome: "failure", target: marker, details: { i } });
      expect(await writer.flush()).toBe(5);
      proxy.stop();
      for (let i = 5; i < 25; i++) writer.enqueue({ event: "authn_login_fail", outcome: "failure", target: marker, details: { i } });
      expect(await writer.flush()).toBe(0);
      expect(writer.pending()).toBe(20);
      expect(writer.stats().failures).toBeGreaterThan(0);
      proxy.start();
      // The writer's own timer retries with backoff; here we retry by hand (a pooled connection that died with the
      // outage may fail one more attempt before the pool notices).
      let written = 0;
      for (let i = 0; i < 50 && writer.pending() > 0; i++) {
        written += await writer.flush();
        if (writer.pending() > 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(written).toBe(20);
      const { rows } = await pool.query("SELECT details->>'i' AS i FROM public.audit_logs WHERE target = $1 ORDER BY id", [marker]);
      expect(rows.map((r) => Number(r.i))).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect((await verifyAuditChain(pool)).ok).toBe(true);
    } finally {
      writer.stop();
      await flaky.end().catch(() => {});
      await proxy.close();
    }
  });

  it("overflow beyond the bounded buffer spills to the Redis list instead of dropping", async () => {
    const { fake, redis } = memoryRedis();
    const proxy = await pausableProxy(new URL(pool.options.connectionString!));
    proxy.stop();
    const down = new Pool({ connectionString: proxy.url, max: 1, connectionTimeoutMillis: 300 });
    down.on("error", () => {});
    const writer = createAuditWriter({ pool: down, manual: true, maxBuffer: 3, queue: createRedisAuditQueue(redis) });
    for (let i = 0; i < 8; i++) writer.enqueue({ event: "sys_monitor", outcome: "info", details: { i } });
    await new Promise((r) => setTimeout(r, 20));
    expect(writer.pending()).toBe(3);
    expect(await fake.llen("audit:q")).toBe(5);
    expect(writer.stats()).toMatchObject({ spilled: 5, logged: 0 });
    writer.stop();
    await down.end().catch(() => {});
    await proxy.close();
    // a healthy writer later drains the spill
    const healthy = createAuditWriter({ pool, manual: true, queue: createRedisAuditQueue(redis) });
    expect(await healthy.flush()).toBe(5);
  });

  it("is append-only and tampering is detected", async () => {
    await expect(pool.query("UPDATE public.audit_logs SET event = 'x' WHERE id = 1")).rejects.toThrow(/append-only/);
    await expect(pool.query("DELETE FROM public.audit_logs WHERE id = 1")).rejects.toThrow(/append-only/);
    const client = await pool.connect();
    try {
      await client.query("SET session_replication_role = replica");
      await client.query("UPDATE public.audit_logs SET details = '{\"reason\":\"edited\"}' WHERE id = 2");
    } finally {
      await client.query("SET session_replication_role = origin");
      client.release();
    }
    expect(await verifyAuditChain(pool)).toMatchObject({ ok: false, brokenAtId: "2" });
  });

  it("RLS: an authenticated user reads only their own rows; API roles cannot write", async () => {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL ROLE authenticated");
      await client.query("SELECT set_config('request.jwt.claims', $1, true)", [JSON.stringify({ sub: userA, role: "authenticated" })]);
      const { rows } = await client.query("SELECT DISTINCT actor_user_id FROM public.audit_logs");
      expect(rows).toEqual([{ actor_user_id: userA }]);
      await expect(client.query("INSERT INTO public.audit_logs (event, outcome, prev_hash, hash) VALUES ('x','info',$1,$1)", ["0".repeat(64)])).rejects.toThrow(
        /permission denied/,
      );
      await client.query("ROLLBACK");
      await client.query("BEGIN");
      await client.query("SET LOCAL ROLE anon");
      await expect(client.query("SELECT 1 FROM public.audit_logs")).rejects.toThrow(/permission denied/);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  });
});
