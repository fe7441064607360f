/**
 * A tiny bounded TTL map for the hot path. Used ONLY for "all clear" answers (not revoked, not blocked) and only
 * for ≤ 500 ms, so a revocation or block written by another instance is effective everywhere within that bound
 * (requirement: ≤ 1 s). Any local revocation or failure clears the relevant entries at once.
 */
export const SHORT_CACHE_MAX_TTL_MS = 500;

export interface ShortCache<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
  delete(key: string): void;
  clear(): void;
}

export function createShortCache<T>(options: { ttlMs: number; maxEntries?: number; now?: () => number }): ShortCache<T> {
  if (options.ttlMs < 0 || options.ttlMs > SHORT_CACHE_MAX_TTL_MS) throw new TypeError(`ttlMs must be within 0..${SHORT_CACHE_MAX_TTL_MS}`);
  const max = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const map = new Map<string, { value: T; expires: number }>();
  return {
    get(key) {
      const hit = map.get(key);
      if (!hit) return undefined;
      if (hit.expires <= now()) {
        map.delete(key);
        return undefined;
      }
      return hit.value;
    },
    set(key, value) {
      if (options.ttlMs === 0) return;
      if (map.size >= max) map.delete(map.keys().next().value as string);
      map.set(key, { value, expires: now() + options.ttlMs });
    },
    delete: (key) => void map.delete(key),
    clear: () => map.clear(),
  };
}
