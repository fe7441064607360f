/**
 * Per-instance in-memory sliding-window limiter: the fail-closed fallback when the shared store (Upstash Redis) is
 * unreachable or slow. It uses the same algorithm as @upstash/ratelimit's slidingWindow (the previous fixed window's
 * count weighted by how much of it still overlaps the sliding window, plus the current window's count), so a policy
 * means the same thing on either path. Limits become per instance while the store is down — never unlimited.
 *
 * Memory is bounded: at MAX_ENTRIES expired entries are swept first; if every entry is live the oldest is evicted.
 */

export const DEFAULT_MAX_ENTRIES = 50_000;

export type MemoryLimitResult = { success: boolean; limit: number; remaining: number; reset: number };

type Entry = { window: number; current: number; previous: number };

export class MemoryLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntries?: number; now?: () => number } = {}) {
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError("maxEntries must be a positive integer");
    this.maxEntries = maxEntries;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Counts one request for `key` against `limit` per `windowMs` and says whether it may pass. */
  limit(key: string, limit: number, windowMs: number): MemoryLimitResult {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError("limit must be a positive integer");
    if (!Number.isFinite(windowMs) || windowMs <= 0) throw new TypeError("windowMs must be positive");
    const now = this.now();
    const window = Math.floor(now / windowMs);
    const reset = (window + 1) * windowMs;
    const mapKey = `${limit}/${windowMs}:${key}`;
    let entry = this.entries.get(mapKey);
    if (entry && entry.window !== window) {
      entry = { window, current: 0, previous: entry.window === window - 1 ? entry.current : 0 };
      this.entries.set(mapKey, entry);
    }
    if (!entry) {
      this.makeRoom(now, windowMs);
      entry = { window, current: 0, previous: 0 };
      this.entries.set(mapKey, entry);
    }
    const overlap = 1 - (now - window * windowMs) / windowMs;
    const used = Math.floor(entry.previous * overlap) + entry.current;
    if (used >= limit) return { success: false, limit, remaining: 0, reset };
    entry.current += 1;
    return { success: true, limit, remaining: Math.max(0, limit - used - 1), reset };
  }

  private makeRoom(now: number, windowMs: number): void {
    if (this.entries.size < this.maxEntries) return;
    for (const [key, entry] of this.entries) {
      const entryWindowMs = Number(key.slice(key.indexOf("/") + 1, key.indexOf(":")));
      const current = Math.floor(now / (entryWindowMs || windowMs));
      if (entry.window < current - 1) this.entries.delete(key);
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
