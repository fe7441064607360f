/**
 * Database preparation the hosted platform does for you:
 *  - Supabase's API roles (anon, authenticated, service_role) that app migrations grant to, created when missing;
 *  - the app's own migrations (supabase/migrations/*.sql, what `supabase db push` applies on hosted Supabase), each once,
 *    tracked in supabase_migrations.schema_migrations like the Supabase CLI (version = file name prefix).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";

const LOCK_KEY = 724_101_002; // advisory lock: parallel starts against one database do not race

export async function ensureSupabaseRoles(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const created: string[] = [];
  try {
    const roles: [string, string][] = [
      ["anon", "nologin noinherit"],
      ["authenticated", "nologin noinherit"],
      ["service_role", "nologin noinherit bypassrls"],
    ];
    for (const [name, attrs] of roles) {
      const exists = await client.query("select 1 from pg_roles where rolname = $1", [name]);
      if (exists.rowCount) continue;
      try {
        await client.query(`create role ${client.escapeIdentifier(name)} ${attrs}`);
        created.push(name);
      } catch (err) {
        // Another start created it meanwhile, or we lack CREATEROLE on an external database: not fatal here,
        // a migration that needs the role will say so.
        if (!/already exists|permission denied/i.test((err as Error).message)) throw err;
      }
    }
  } finally {
    await client.end();
  }
  return created;
}

export type AppliedMigration = { version: string; name: string };

/** Applies every not-yet-applied `*.sql` in dir, in file-name order, each in its own transaction. */
export async function applyMigrations(databaseUrl: string, dir: string): Promise<AppliedMigration[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  } catch {
    return [];
  }
  const versions = new Map<string, string>();
  for (const file of files) {
    const version = /^([^_]+)/.exec(file)?.[1] ?? file;
    const other = versions.get(version);
    if (other) throw new Error(`migrations ${other} and ${file} share the version ${version}; rename one`);
    versions.set(version, file);
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const applied: AppliedMigration[] = [];
  try {
    await client.query("select pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query("create schema if not exists supabase_migrations");
    await client.query(
      "create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text)",
    );
    const done = new Set((await client.query<{ version: string }>("select version from supabase_migrations.schema_migrations")).rows.map((r) => r.version));
    for (const file of files) {
      const m = /^([^_]+)_?(.*)\.sql$/.exec(file);
      const version = m?.[1] ?? file;
      const name = m?.[2] ?? "";
      if (done.has(version)) continue;
      const sql = await readFile(join(dir, file), "utf8");
      await client.query("begin");
      try {
        await client.query(sql);
        await client.query("insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)", [version, [sql], name]);
        await client.query("commit");
      } catch (err) {
        await client.query("rollback");
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push({ version, name });
    }
  } finally {
    await client.query("select pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
  return applied;
}
