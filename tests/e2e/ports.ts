/**
 * Ports for the e2e run: the stack is shifted by LOCAL_PORT_OFFSET + 100 so it never collides with a developer's
 * `npm run dev` (offset 0) or with another checkout's run; the app listens on 3000 + that offset.
 */
export function e2ePorts(env: Record<string, string | undefined> = process.env): { stackOffset: number; appPort: number } {
  const base = Number(env.LOCAL_PORT_OFFSET ?? 0);
  const stackOffset = (Number.isInteger(base) && base >= 0 ? base : 0) + 100;
  const appPort = env.E2E_PORT ? Number(env.E2E_PORT) : 3000 + stackOffset;
  return { stackOffset, appPort };
}
