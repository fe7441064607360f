// Base Postgres URL for tests that create their own throw-away databases (H5).
// Prefers the local stack's embedded PostgreSQL; AUDIT_TEST_DATABASE_URL overrides.
export async function testDatabaseUrl(): Promise<string> {
  if (process.env.AUDIT_TEST_DATABASE_URL) return process.env.AUDIT_TEST_DATABASE_URL;
  const { stackEnv } = await import("@/tests/helpers/stack");
  return stackEnv().DATABASE_URL!;
}
