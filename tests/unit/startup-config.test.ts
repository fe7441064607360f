/**
 * Bad configuration stops `npm run dev` / `npm start` with ONE line naming the variable, exit code 1, no stack trace,
 * and before any local service starts.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

function run(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(NEXT_PUBLIC_|SUPABASE_|UPSTASH_|DATABASE_URL|ALLOWED_|SMTP_|JWT_)/.test(k)));
  const childEnv = { ...clean, LOCAL_PORT_OFFSET: "9000", ...env } as unknown as NodeJS.ProcessEnv;
  const child = spawn(process.execPath, [tsx, script], { cwd: root, env: childEnv, timeout: 60_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
}

describe("start-up configuration check", () => {
  it.concurrent.each([
    ["scripts/dev.ts", { NEXT_PUBLIC_SUPABASE_URL: "not a url" }, "NEXT_PUBLIC_SUPABASE_URL"],
    ["scripts/dev.ts", { NEXT_PUBLIC_SUPABASE_URL: "https://abc.supabase.co" }, "NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY"],
    ["scripts/dev.ts", { TRUSTED_PROXY_HOPS: "many" }, "TRUSTED_PROXY_HOPS"],
    ["scripts/dev.ts", { LOCAL_PORT_OFFSET: "abc" }, "LOCAL_PORT_OFFSET"],
  ])("%s with %j exits 1 naming %s", async (script, env, variable) => {
    const result = await run(script, env as Record<string, string>);
    expect(result.status).toBe(1);
    const lines = result.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(variable);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).not.toContain("Starting the local stack");
  }, 30_000);
});
