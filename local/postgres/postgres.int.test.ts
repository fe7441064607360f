import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { resolve } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, occupyPort } from "../ports";
import { startPostgres } from "./index";

const root = resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
async function tempDataDir(): Promise<string> {
  const base = resolve(root, ".local");
  const dir = await mkdtemp(resolve(base, "pgtest-"));
  await chmod(dir, 0o755); // the postgres OS user (when run as root) must be able to traverse it
  dirs.push(dir);
  return resolve(dir, "data");
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("embedded postgres", () => {
  it("initialises on first start, reuses the cluster (and its data) afterwards", async () => {
    const dataDir = await tempDataDir();
    const port = await freePort();
    const first = await startPostgres({ port, dataDir, ephemeral: true });
    try {
      expect(first.initialised).toBe(true);
      expect(first.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
      const [row] = (await query(first.url, "show server_version_num")) as [{ server_version_num: string }];
      expect(Number(row.server_version_num)).toBeGreaterThanOrEqual(180000);
      await query(first.url, "create table kept(x int); insert into kept values (42)");
    } finally {
      await first.stop();
    }
    expect(existsSync(resolve(dataDir, "postmaster.pid"))).toBe(false);
    const second = await startPostgres({ port, dataDir, ephemeral: true });
    try {
      expect(second.initialised).toBe(false);
      expect(await query(second.url, "select x from kept")).toEqual([{ x: 42 }]);
      // wrong password is refused (scram auth, not trust)
      await expect(query(second.url.replace("postgres:postgres@", "postgres:wrong@"), "select 1")).rejects.toThrow(/password authentication failed/);
    } finally {
      await second.stop();
    }
  });

  it("refuses a port that is already taken, with a clear message", async () => {
    const blocker = await occupyPort();
    try {
      await expect(startPostgres({ port: blocker.port, dataDir: await tempDataDir() })).rejects.toThrow(
        `PostgreSQL: port ${blocker.port} on 127.0.0.1 is already in use`,
      );
    } finally {
      await blocker.close();
    }
  });

  it("refuses a data directory that a running postgres already uses", async () => {
    const dataDir = await tempDataDir();
    const first = await startPostgres({ port: await freePort(), dataDir, ephemeral: true });
    try {
      await expect(startPostgres({ port: await freePort(), dataDir })).rejects.toThrow(/already running on the data directory/);
    } finally {
      await first.stop();
    }
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`leaves no postgres behind when the owning process gets ${signal}`, async () => {
      const dataDir = await tempDataDir();
      const port = await freePort();
      const child = spawn(resolve(root, "node_modules/.bin/tsx"), [resolve(import.meta.dirname, "fixtures/run-postgres.ts"), String(port), dataDir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`fixture did not start: ${out}`)), 30_000);
        child.stdout.on("data", (b: Buffer) => {
          out += b.toString();
          if (out.includes("ready")) {
            clearTimeout(timer);
            ok();
          }
        });
        child.once("exit", () => fail(new Error(`fixture exited: ${out}`)));
      });
      const pid = Number.parseInt(readFileSync(resolve(dataDir, "postmaster.pid"), "utf8").split("\n")[0]!, 10);
      expect(alive(pid)).toBe(true);
      const exited = new Promise((r) => child.once("exit", r));
      child.kill(signal);
      await exited;
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      expect(alive(pid)).toBe(false);
      expect(existsSync(resolve(dataDir, "postmaster.pid"))).toBe(false);
    }, 60_000);
  }
});

describe("embedded postgres as root", () => {
  it.runIf(process.getuid?.() === 0)("explains a data directory the postgres OS user cannot enter", async () => {
    const base = resolve(root, ".local");
    const locked = await mkdtemp(resolve(base, "pglocked-"));
    dirs.push(locked);
    await expect(startPostgres({ port: await freePort(), dataDir: resolve(locked, "data") })).rejects.toThrow(
      `cannot enter ${locked}: allow it (chmod o+x ${locked})`,
    );
  });
});
