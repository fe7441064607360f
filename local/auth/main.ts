/**
 * Run the local auth server by itself:
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/mydb npx tsx local/auth/main.ts
 * Port: AUTH_PORT or 54321 + LOCAL_PORT_OFFSET. GOTRUE_* variables configure it.
 */
import { startAuthServer } from "./index";

const offset = Number(process.env.LOCAL_PORT_OFFSET ?? 0);
const port = Number(process.env.AUTH_PORT ?? 54321 + offset);
const databaseUrl = process.env.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${54322 + offset}/postgres`;

const server = await startAuthServer({
  port,
  databaseUrl,
  smtp: { host: process.env.SMTP_HOST ?? "127.0.0.1", port: Number(process.env.SMTP_PORT ?? 54325 + offset) },
  siteUrl: process.env.GOTRUE_SITE_URL ?? process.env.NEXT_PUBLIC_SITE_URL ?? "http://localhost:3000",
  log: (line) => console.log(line),
}).catch((err: NodeJS.ErrnoException) => {
  const why = err.code === "EADDRINUSE" ? `port ${port} is already in use (set AUTH_PORT or LOCAL_PORT_OFFSET)` : err.message;
  console.error(`local auth server could not start: ${why}`);
  process.exit(1);
});
console.log(`auth:            ${server.url}/auth/v1`);
console.log(`publishable key: ${server.publishableKey}`);
console.log(`secret key:      ${server.secretKey}`);

const shutdown = () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
