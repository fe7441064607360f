/**
 * Protected route vs bare route in ONE production build (issue 4): `GET /api/my/account` (IP-block check, RFC 6750
 * parsing, ES256 verification against the JWKS, revocation lookup, token metrics) against `GET /api/bench/bare`
 * (a handler that only answers JSON). Both go through the same middleware, so the ratio isolates the cost of
 * bearer validation. Target: protected ≥ 0.85× bare throughput.
 *
 *   npm run bench -- account        BENCH_SECONDS=10 BENCH_CONNECTIONS=32 BENCH_ROUNDS=2 to tune
 */
import { createClient } from "@supabase/supabase-js";
import autocannon from "autocannon";
import { freePort, parsePortOffset } from "@/local/ports";
import { ensureProductionBuild, ROOT, startNext } from "@/scripts/lib/production-build";
import { startStackProcess } from "./stack-child";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

type Sample = { rps: number; p50: number; p99: number; non2xx: number; errors: number };

async function measure(url: string, headers: Record<string, string>, seconds = SECONDS): Promise<Sample> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function benchAccount(log: (line: string) => void = console.log): Promise<{ ratio: number }> {
  const offset = parsePortOffset(process.env.LOCAL_PORT_OFFSET) + 700;
  log(`starting the local stack (own process, offset ${offset}) and the production build …`);
  const [stack] = await Promise.all([startStackProcess(offset, ROOT), ensureProductionBuild({ log: () => {} })]);
  const port = await freePort();
  const site = `http://127.0.0.1:${port}`;
  const app = await startNext({ port, env: { ...stack.env, NEXT_PUBLIC_SITE_URL: site, ALLOWED_HOSTS: `127.0.0.1:${port}`, ALLOWED_ORIGINS: site, BENCH_ROUTES: "1" } });
  try {
    const admin = createClient(stack.env.NEXT_PUBLIC_SUPABASE_URL, stack.env.SUPABASE_SECRET_KEY, { auth: { persistSession: false } });
    const email = `bench-${Date.now()}@example.com`;
    const password = "bench password long enough 123";
    await admin.auth.admin.createUser({ email, password, email_confirm: true });
    const user = createClient(stack.env.NEXT_PUBLIC_SUPABASE_URL, stack.env.NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY, { auth: { persistSession: false } });
    const { data, error } = await user.auth.signInWithPassword({ email, password });
    if (error || !data.session) throw error ?? new Error("no session");
    const auth = { authorization: `Bearer ${data.session.access_token}` };
    const check = await fetch(`${site}/api/my/account`, { headers: auth });
    if (check.status !== 200) throw new Error(`protected route answered ${check.status}`);
    if ((await fetch(`${site}/api/bench/bare`)).status !== 200) throw new Error("bare route disabled");

    log(`warming up (${CONNECTIONS} connections) …`);
    await measure(`${site}/api/bench/bare`, {}, 2);
    await measure(`${site}/api/my/account`, auth, 2);
    const bare: Sample[] = [];
    const prot: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await measure(`${site}/api/bench/bare`, {}));
      prot.push(await measure(`${site}/api/my/account`, auth));
    }
    const b = { rps: mean(bare.map((s) => s.rps)), p99: mean(bare.map((s) => s.p99)), p50: mean(bare.map((s) => s.p50)) };
    const p = { rps: mean(prot.map((s) => s.rps)), p99: mean(prot.map((s) => s.p99)), p50: mean(prot.map((s) => s.p50)) };
    const bad = prot.reduce((n, s) => n + s.non2xx + s.errors, 0) + bare.reduce((n, s) => n + s.non2xx + s.errors, 0);
    const ratio = p.rps / b.rps;
    log(`\nbench account (${ROUNDS} × ${SECONDS}s, ${CONNECTIONS} connections, one next start, middleware on both):`);
    log(`  bare       GET /api/bench/bare  ${b.rps.toFixed(0).padStart(6)} req/s  p50 ${b.p50.toFixed(1)} ms  p99 ${b.p99.toFixed(1)} ms`);
    log(`  protected  GET /api/my/account  ${p.rps.toFixed(0).padStart(6)} req/s  p50 ${p.p50.toFixed(1)} ms  p99 ${p.p99.toFixed(1)} ms`);
    log(`  throughput ratio protected/bare: ${ratio.toFixed(3)} (target ≥ 0.85)   p99 ratio: ${(p.p99 / b.p99).toFixed(2)}   non-2xx/errors: ${bad}`);
    return { ratio };
  } finally {
    await app.stop();
    await stack.stop();
  }
}
