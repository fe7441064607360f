/** Run `fn` in one transaction on a pooled client (or directly on the caller's client when `given`). */
import type { Pool, PoolClient } from "pg";

export async function withTransaction<T>(ctx: { db: Pool }, fn: (db: PoolClient) => Promise<T>, given?: PoolClient): Promise<T> {
  if (given) return fn(given);
  const client = await ctx.db.connect();
  try {
    await client.query("begin");
    const out = await fn(client);
    await client.query("commit");
    return out;
  } catch (err) {
    await client.query("rollback").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
