/**
 * Middleware cost (issue 5): the same page (`GET /login`) from two `next start` processes of ONE production build —
 * one through the Edge middleware (host check, nonce CSP, page headers; no session cookie), one with the middleware
 * bypassed (MIDDLEWARE_BYPASS=bench, honoured only when every allowed host is a loopback name). Requests alternate
 * between the two, sequentially, after a warm-up; prints medians and the median difference. Target: ≤ 5 ms.
 *
 *   npm run bench:middleware        (or `npm run bench -- middleware`)   BENCH_REQUESTS=400 to tune
 */
import { pathToFileURL } from "node:url";
import { freePort } from "@/local/ports";
import { ensureProductionBuild, startNext } from "@/scripts/lib/production-build";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const WARMUP = 50;

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

async function timeOne(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${url} → ${response.status}`);
  return performance.now() - started;
}

export async function benchMiddleware(log: (line: string) => void = console.log): Promise<{ medianDiffMs: number }> {
  await ensureProductionBuild({ log: () => {} });
  const [withPort, bypassPort, closed] = await Promise.all([freePort(), freePort(), freePort()]);
  const env = (port: number, extra: Record<string, string> = {}) => ({
    NEXT_PUBLIC_SITE_URL: `http://127.0.0.1:${port}`,
    ALLOWED_HOSTS: `127.0.0.1:${port}`,
    ALLOWED_ORIGINS: `http://127.0.0.1:${port}`,
    // Pages without a session touch no store; unreachable ones make that visible if it ever changes.
    DATABASE_URL: `postgres://bench@127.0.0.1:${closed}/bench`,
    UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${closed}`,
    UPSTASH_REDIS_REST_TOKEN: "bench",
    ...extra,
  });
  const [through, bypassed] = await Promise.all([
    startNext({ port: withPort, env: env(withPort) }),
    startNext({ port: bypassPort, env: env(bypassPort, { MIDDLEWARE_BYPASS: "bench" }) }),
  ]);
  try {
    const page = "/login";
    const check = await fetch(`${bypassed.url}${page}`);
    if (check.headers.has("content-security-policy")) throw new Error("the bypass server still ran the middleware");
    await check.arrayBuffer();
    for (let i = 0; i < WARMUP; i++) {
      await timeOne(`${through.url}${page}`);
      await timeOne(`${bypassed.url}${page}`);
    }
    const withMiddleware: number[] = [];
    const withoutMiddleware: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      // Alternate the order so drift (GC, other load) hits both sides alike.
      if (i % 2) {
        withMiddleware.push(await timeOne(`${through.url}${page}`));
        withoutMiddleware.push(await timeOne(`${bypassed.url}${page}`));
      } else {
        withoutMiddleware.push(await timeOne(`${bypassed.url}${page}`));
        withMiddleware.push(await timeOne(`${through.url}${page}`));
      }
    }
    const medianWith = quantile(withMiddleware, 0.5);
    const medianWithout = quantile(withoutMiddleware, 0.5);
    const medianDiffMs = medianWith - medianWithout;
    log(`middleware bench: GET ${page}, ${REQUESTS} sequential requests per side after ${WARMUP} warm-up`);
    log(`  through middleware: median ${medianWith.toFixed(2)} ms, p90 ${quantile(withMiddleware, 0.9).toFixed(2)} ms`);
    log(`  bypassed:           median ${medianWithout.toFixed(2)} ms, p90 ${quantile(withoutMiddleware, 0.9).toFixed(2)} ms`);
    log(`  median difference:  ${medianDiffMs.toFixed(2)} ms (target ≤ 5 ms) ${medianDiffMs <= 5 ? "OK" : "OVER TARGET"}`);
    return { medianDiffMs };
  } finally {
    await Promise.all([through.stop(), bypassed.stop()]);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchMiddleware().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`bench:middleware failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
