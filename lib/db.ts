/**
 * PostgreSQL pool (Node runtime only). One pool per process, created on first use from DATABASE_URL.
 */
import { Pool } from "pg";
import { serverEnv } from "@/lib/env";

let pool: Pool | undefined;

export function db(): Pool {
  if (!pool) {
    pool = new Pool({
      connectionString: serverEnv().DATABASE_URL,
      max: 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: "mindroom-account-security",
    });
    // An idle client erroring (e.g. the server restarted) must not crash the process.
    pool.on("error", () => {});
  }
  return pool;
}
