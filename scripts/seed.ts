/**
 * Demo accounts for the local stack: an admin (app_metadata.role = "admin") and a regular user, created through the
 * Auth admin API on first run (existing accounts are left untouched). Run alone with `npm run seed`.
 */
import { pathToFileURL } from "node:url";
import { createClient } from "@supabase/supabase-js";
import { parseServerEnv } from "@/lib/env";

export type DemoUser = { email: string; password: string; role?: "admin" };

/** Local-only demo credentials (printed by `npm run dev`); never seeded against a hosted project. */
export const DEMO_USERS: readonly DemoUser[] = [
  { email: "admin@example.com", password: "demo-admin-Passw0rd!", role: "admin" },
  { email: "user@example.com", password: "demo-user-Passw0rd!" },
];

export async function seedDemoUsers(source: Record<string, string | undefined>, log: (line: string) => void = () => {}): Promise<void> {
  const env = parseServerEnv(source);
  if (!env.isLocalStack) throw new Error("refusing to seed demo users into a non-local Supabase project");
  const admin = createClient(env.NEXT_PUBLIC_SUPABASE_URL, env.SUPABASE_SECRET_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  const { data, error } = await admin.auth.admin.listUsers({ page: 1, perPage: 1000 });
  if (error) throw new Error(`listing users: ${error.message}`);
  const existing = new Set(data.users.map((u) => u.email?.toLowerCase()));
  for (const user of DEMO_USERS) {
    if (existing.has(user.email)) continue;
    const { error: createError } = await admin.auth.admin.createUser({
      email: user.email,
      password: user.password,
      email_confirm: true,
      app_metadata: user.role ? { role: user.role } : {},
    });
    if (createError) throw new Error(`creating ${user.email}: ${createError.message}`);
    log(`Seeded demo account ${user.email}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nextEnv = await import("@next/env");
  nextEnv.default.loadEnvConfig(process.cwd(), true, { info: () => {}, error: console.error });
  seedDemoUsers(process.env, console.log).then(
    () => console.log("Demo accounts are in place."),
    (error: Error) => {
      console.error(`Seeding failed: ${error.message}`);
      process.exit(1);
    },
  );
}
