import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { stackEnv } from "@/tests/helpers/stack";
import { applyMigrations } from "./postgres/migrations";
import { testPortOffset } from "@/tests/helpers/port-offset";
import { assertPortFree } from "./ports";
import { BASE_PORTS, startLocalStack } from "./stack";

const root = resolve(import.meta.dirname, "..");
const cleanup: string[] = [];
afterAll(async () => {
  for (const d of cleanup) await rm(d, { recursive: true, force: true });
});

async function tempDir(name: string): Promise<string> {
  await mkdir(resolve(root, ".local"), { recursive: true });
  const d = await mkdtemp(resolve(root, `.local/${name}-`));
  await chmod(d, 0o755); // as root, PostgreSQL runs as the "postgres" OS user, which must be able to enter it
  cleanup.push(d);
  return d;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

describe("local stack", () => {
  it("provides exactly the app's env, and every service answers there", async () => {
    const env = stackEnv();
    expect(Object.keys(env).sort()).toEqual(
      [
        "ALLOWED_HOSTS",
        "ALLOWED_ORIGINS",
        "DATABASE_URL",
        "LOCAL_MAIL_URL",
        "MAIL_FROM",
        "NEXT_PUBLIC_SITE_URL",
        "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY",
        "NEXT_PUBLIC_SUPABASE_URL",
        "SMTP_URL",
        "SUPABASE_SECRET_KEY",
        "UPSTASH_REDIS_REST_TOKEN",
        "UPSTASH_REDIS_REST_URL",
      ].sort(),
    );
    const offset = testPortOffset();
    expect(env.NEXT_PUBLIC_SUPABASE_URL).toBe(`http://127.0.0.1:${BASE_PORTS.auth + offset}`);
    expect(env.SMTP_URL).toBe(`smtp://127.0.0.1:${BASE_PORTS.smtp + offset}`);
    expect(env.UPSTASH_REDIS_REST_URL).toBe(`http://127.0.0.1:${BASE_PORTS.upstash + offset}`);
    expect(env.NEXT_PUBLIC_SITE_URL).toBe(`http://localhost:${BASE_PORTS.app + offset}`);
    expect(env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY).toMatch(/^sb_publishable_/);
    expect(env.SUPABASE_SECRET_KEY).toMatch(/^sb_secret_/);

    const ping = await fetch(env.UPSTASH_REDIS_REST_URL, {
      method: "POST",
      headers: { authorization: `Bearer ${env.UPSTASH_REDIS_REST_TOKEN}` },
      body: '["PING"]',
    });
    expect(await ping.json()).toEqual({ result: "PONG" });
    expect((await fetch(`${env.LOCAL_MAIL_URL}/api/messages`)).status).toBe(200);
    if (existsSync(resolve(root, "local/auth/index.ts"))) {
      expect((await fetch(`${env.NEXT_PUBLIC_SUPABASE_URL}/auth/v1/health`)).status).toBe(200);
    }
    await withClient(env.DATABASE_URL, async (c) => {
      const roles = await c.query("select rolname from pg_roles where rolname in ('anon','authenticated','service_role') order by 1");
      expect(roles.rows.map((r) => r.rolname)).toEqual(["anon", "authenticated", "service_role"]);
      const applied = await c.query<{ version: string }>("select version from supabase_migrations.schema_migrations order by 1");
      const files = (await import("node:fs")).readdirSync(resolve(root, "supabase/migrations")).filter((f) => f.endsWith(".sql"));
      expect(applied.rows.map((r) => r.version)).toEqual(files.map((f) => f.split("_")[0]).sort());
    });
  });

  it("refuses to start on ports that are taken, before starting anything", async () => {
    const dataDir = await tempDir("stack-conflict");
    const offset = testPortOffset();
    await expect(startLocalStack({ portOffset: offset, dataDir, log: () => undefined, databaseUrl: undefined })).rejects.toThrow(
      /port \d+ on 127\.0\.0\.1 is already in use/,
    );
    expect(existsSync(resolve(dataDir, "postgres"))).toBe(false);
  });

  it("applies migrations once, in order, and records nothing for a failing one", async () => {
    const env = stackEnv();
    const db = `mig_test_${process.pid}`;
    await withClient(env.DATABASE_URL, (c) => c.query(`drop database if exists ${db}`).then(() => c.query(`create database ${db}`)));
    const u = new URL(env.DATABASE_URL);
    u.pathname = `/${db}`;
    const url = u.toString();
    try {
      const dir = await tempDir("migrations");
      await writeFile(resolve(dir, "20260101000000_first.sql"), "create table t1 (x int); insert into t1 values (1);");
      await writeFile(resolve(dir, "20260102000000_second.sql"), "insert into t1 values (2);");
      expect(await applyMigrations(url, dir)).toEqual([
        { version: "20260101000000", name: "first" },
        { version: "20260102000000", name: "second" },
      ]);
      expect(await applyMigrations(url, dir)).toEqual([]); // idempotent
      await writeFile(resolve(dir, "20260103000000_broken.sql"), "insert into t1 values (3); select * from no_such_table;");
      await expect(applyMigrations(url, dir)).rejects.toThrow(/migration 20260103000000_broken\.sql failed: .*no_such_table/);
      await writeFile(resolve(dir, "20260102000000_clash.sql"), "select 1;");
      await expect(applyMigrations(url, dir)).rejects.toThrow(
        "migrations 20260102000000_clash.sql and 20260102000000_second.sql share the version 20260102000000",
      );
      await withClient(url, async (c) => {
        expect((await c.query("select x from t1 order by x")).rows).toEqual([{ x: 1 }, { x: 2 }]); // broken one rolled back
        const versions = await c.query("select version from supabase_migrations.schema_migrations order by 1");
        expect(versions.rows.map((r) => r.version)).toEqual(["20260101000000", "20260102000000"]);
      });
    } finally {
      await withClient(env.DATABASE_URL, (c) => c.query(`drop database if exists ${db} with (force)`));
    }
  });
});

describe("npm run local (local/cli.ts)", () => {
  const tsx = resolve(root, "node_modules/.bin/tsx");

  function runCli(env: Record<string, string>) {
    const child = spawn(tsx, [resolve(root, "local/cli.ts")], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (out += b.toString()));
    const exit = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    return { child, exit, output: () => out };
  }

  it("exits non-zero with a one-line reason when a port is taken", async () => {
    const { exit, output } = runCli({ LOCAL_PORT_OFFSET: String(testPortOffset()), LOCAL_DATA_DIR: await tempDir("cli-conflict") });
    expect(await exit).toBe(1);
    const lines = output().split("\n").filter((l) => l.startsWith("✗"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^✗ local services failed: .*port \d+ on 127\.0\.0\.1 is already in use/);
  });

  it("starts every service and stops them all on SIGTERM, leaving no postgres behind", async () => {
    // Find an offset whose ports are all free right now.
    let offset = 0;
    for (let candidate = 9000 + (process.pid % 200) * 5; candidate < 11000; candidate += 37) {
      const free = await Promise.all(Object.values(BASE_PORTS).map((p) => assertPortFree(p + candidate, "probe").then(() => true, () => false)));
      if (free.every(Boolean)) {
        offset = candidate;
        break;
      }
    }
    expect(offset).toBeGreaterThan(0);
    const dataDir = await tempDir("cli-run");
    // DATABASE_URL cleared: this test is about the embedded PostgreSQL even when the suite runs against another database.
    const { child, exit, output } = runCli({ LOCAL_PORT_OFFSET: String(offset), LOCAL_DATA_DIR: dataDir, DATABASE_URL: "" });
    const deadline = Date.now() + 30_000; // the cold-start budget
    while (!output().includes("ready in") && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(output()).toContain("Local services ready in");
    expect(output()).toContain(`http://127.0.0.1:${BASE_PORTS.mailUi + offset}`);
    const pid = Number.parseInt(readFileSync(resolve(dataDir, "postgres/postmaster.pid"), "utf8").split("\n")[0]!, 10);
    child.kill("SIGTERM");
    expect(await exit).toBe(0);
    expect(output()).toContain("stopped.");
    let alive = true;
    for (let i = 0; i < 200 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
    for (const base of Object.values(BASE_PORTS)) if (base !== BASE_PORTS.app) await assertPortFree(base + offset, "after stop");
  }, 60_000);
});
