/**
 * Ports for the e2e run: the stack is shifted by LOCAL_PORT_OFFSET + 100 so it never collides with a developer's
 * `npm run dev` (offset 0) or with another checkout's run; the app listens on 3000 + that offset (10100 by default).
 */
export function e2ePorts(env: Record<string, string | undefined> = process.env): { stackOffset: number; appPort: number } {
  // default 7000: keeps the stack's ports above Linux's ephemeral range (see tests/setup/local-stack.ts)
  const base = Number(env.LOCAL_PORT_OFFSET ?? 7000);
  const stackOffset = (Number.isInteger(base) && base >= 0 ? base : 7000) + 100;
  const appPort = env.E2E_PORT ? Number(env.E2E_PORT) : 3000 + stackOffset;
  return { stackOffset, appPort };
}
