/**
 * Dependency reachability for GET /api/health. Each probe has a short deadline and reports only ok + latency:
 * error messages (which can contain hosts, users or connection strings) are never exposed.
 */

export type ProbeResult = { ok: boolean; latencyMs: number };
export type HealthReport = { status: "ok" | "degraded"; checks: Record<string, ProbeResult> };
export type Probe = (signal: AbortSignal) => Promise<unknown>;

export const HEALTH_TIMEOUT_MS = 2_000;

async function runProbe(probe: Probe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error("timeout"));
      }, timeoutMs);
    });
    await Promise.race([probe(controller.signal), timeout]);
    return { ok: true, latencyMs: Math.round(performance.now() - started) };
  } catch {
    return { ok: false, latencyMs: Math.round(performance.now() - started) };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(probes: Record<string, Probe>, timeoutMs = HEALTH_TIMEOUT_MS): Promise<HealthReport> {
  const names = Object.keys(probes);
  const results = await Promise.all(names.map((name) => runProbe(probes[name]!, timeoutMs)));
  const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
  return { status: results.every((r) => r.ok) ? "ok" : "degraded", checks };
}

/** Probe for a Supabase Auth server: GET {url}/auth/v1/health must answer 2xx. */
export function authProbe(supabaseUrl: string, apiKey: string, fetchImpl: typeof fetch = fetch): Probe {
  return async (signal) => {
    const response = await fetchImpl(`${supabaseUrl}/auth/v1/health`, { headers: { apikey: apiKey }, signal, cache: "no-store" });
    await response.body?.cancel();
    if (!response.ok) throw new Error("auth unhealthy");
  };
}
