/**
 * Throughput of the local GoTrue-compatible server on this machine:
 *   npm run bench:local-auth            (BENCH_SECONDS=5 BENCH_CONCURRENCY=16 to tune)
 * The server runs in a child process (fresh database on the system PostgreSQL via startTestAuthServer), so the
 * load generator does not share its event loop. Measures
 *   - refresh_token grants per second (each worker rotates its own session's token chain)
 *   - GET /user per second (JWT verified locally, one indexed query)
 * No Sb-Forwarded-For header is sent, so GoTrue's per-IP limits do not apply (as in GoTrue).
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { startTestAuthServer } from "../local/auth/testing";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const HEADERS = { "Content-Type": "application/json", "X-Supabase-Api-Version": "2024-01-01" };

async function serverRole(): Promise<void> {
  const t = await startTestAuthServer();
  const email = `bench.${Date.now()}@example.com`;
  const password = "bench-password-123";
  await t.adminClient().auth.admin.createUser({ email, password, email_confirm: true });
  process.stdout.write(`${JSON.stringify({ url: t.url, publishableKey: t.publishableKey, email, password })}\n`);
  const stop = () => void t.stop().finally(() => process.exit(0));
  process.stdin.on("close", stop);
  process.stdin.resume();
  process.on("SIGTERM", stop);
}

async function runFor(seconds: number, workers: number, step: (worker: number) => Promise<boolean>) {
  const end = performance.now() + seconds * 1000;
  let ok = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (performance.now() < end) {
        if (await step(w)) ok++;
        else failed++;
      }
    }),
  );
  return { ok, failed, perSecond: ok / ((performance.now() - t0) / 1000) };
}

async function autocannonRun(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url, headers, connections: CONCURRENCY * 2, duration: SECONDS });
  const ok = result["2xx"];
  return { ok, failed: result.non2xx + result.errors, perSecond: ok / SECONDS };
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, LOCAL_AUTH_BENCH_ROLE: "server" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const info = await new Promise<{ url: string; publishableKey: string; email: string; password: string }>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      if (line.startsWith("{")) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`bench server exited early (${code})`)));
  });
  try {
    const base = `${info.url}/auth/v1`;
    const tokens: string[] = [];
    let access = "";
    for (let i = 0; i < CONCURRENCY; i++) {
      const res = await fetch(`${base}/token?grant_type=password`, {
        method: "POST",
        headers: { ...HEADERS, apikey: info.publishableKey },
        body: JSON.stringify({ email: info.email, password: info.password }),
      });
      const s = (await res.json()) as { refresh_token: string; access_token: string };
      tokens.push(s.refresh_token);
      access = s.access_token;
    }
    const getUser = async () => {
      const res = await fetch(`${base}/user`, { headers: { ...HEADERS, apikey: info.publishableKey, Authorization: `Bearer ${access}` } });
      await res.arrayBuffer();
      return res.ok;
    };
    await runFor(0.5, CONCURRENCY, getUser); // warm-up

    // a shared pool of live refresh tokens: each request takes one, its response puts the rotated child back
    // (autocannon resets the per-connection context after every request, so the chain lives in the pool)
    const pool = [...tokens];
    const refreshResult = await autocannon({
      url: `${base}/token?grant_type=refresh_token`,
      connections: CONCURRENCY,
      duration: SECONDS,
      requests: [
        {
          method: "POST",
          headers: { ...HEADERS, apikey: info.publishableKey },
          setupRequest: (req, context) => {
            context.token = pool.pop();
            return { ...req, body: JSON.stringify({ refresh_token: context.token }) };
          },
          onResponse: (status, body, context) => {
            pool.push(status === 200 ? (JSON.parse(body) as { refresh_token: string }).refresh_token : String(context.token));
          },
        },
      ],
    });
    const refresh = {
      ok: refreshResult["2xx"],
      failed: refreshResult.non2xx + refreshResult.errors,
      perSecond: refreshResult["2xx"] / SECONDS,
    };
    const user = await autocannonRun(`${base}/user`, { ...HEADERS, apikey: info.publishableKey, Authorization: `Bearer ${access}` });
    const health = await autocannonRun(`${base}/health`, {});

    console.log(`local/auth bench (${SECONDS}s each; ${CONCURRENCY} refresh workers / ${CONCURRENCY * 2} GET connections; server in a child process)`);
    console.log(`  refresh_token grants: ${refresh.perSecond.toFixed(0)}/s (${refresh.ok} ok, ${refresh.failed} failed)  target >= 300/s`);
    console.log(`  GET /user:            ${user.perSecond.toFixed(0)}/s (${user.ok} ok, ${user.failed} failed)  target >= 1000/s  (autocannon)`);
    console.log(`  GET /health ceiling:  ${health.perSecond.toFixed(0)}/s  (same server, no auth, no DB: the machine's HTTP limit)`);
    if (refresh.failed || user.failed) process.exitCode = 1;
  } finally {
    child.stdin?.end();
    await new Promise((r) => child.once("exit", r));
  }
}

if (process.env.LOCAL_AUTH_BENCH_ROLE === "server") await serverRole();
else await main();
