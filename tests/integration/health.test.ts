/** lib/health probes against the real local stack, and with dependencies that are down. */
import { Redis } from "@upstash/redis";
import { Pool } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { authProbe, checkHealth } from "@/lib/health";
import { stackEnv } from "@/tests/helpers/stack";

const env = stackEnv();
const pool = new Pool({ connectionString: env.DATABASE_URL, max: 1 });
const badPool = new Pool({ connectionString: "postgres://postgres:s3cret-pw@127.0.0.1:1/postgres", max: 1, connectionTimeoutMillis: 1_000 });
badPool.on("error", () => {});

afterAll(async () => {
  await pool.end();
  await badPool.end();
});

describe("checkHealth", () => {
  it("reports ok for PostgreSQL, Upstash REST and Auth when they answer", async () => {
    const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN });
    const report = await checkHealth({
      db: () => pool.query("select 1"),
      redis: async () => {
        if ((await redis.ping()) !== "PONG") throw new Error("no pong");
      },
      auth: authProbe(env.NEXT_PUBLIC_SUPABASE_URL, env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY),
    });
    expect(report.status).toBe("ok");
    expect(Object.values(report.checks).every((c) => c.ok)).toBe(true);
  });

  it("reports each failing dependency without leaking hosts, ports or credentials", async () => {
    const wrongToken = new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: "wrong-token", retry: { retries: 0 } });
    const report = await checkHealth(
      {
        db: () => badPool.query("select 1"),
        redis: () => wrongToken.ping(),
        auth: authProbe("http://127.0.0.1:1", "k"),
        slow: () => new Promise(() => {}),
      },
      1_500,
    );
    expect(report.status).toBe("degraded");
    expect(report.checks.db?.ok).toBe(false);
    expect(report.checks.redis?.ok).toBe(false);
    expect(report.checks.auth?.ok).toBe(false);
    expect(report.checks.slow?.ok).toBe(false);
    expect(report.checks.slow?.latencyMs).toBeLessThan(3_000);
    const text = JSON.stringify(report);
    for (const secret of ["s3cret-pw", "127.0.0.1", "wrong-token", "postgres://"]) expect(text).not.toContain(secret);
  });
});
