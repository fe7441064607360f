import { testPortOffset } from "../helpers/port-offset";

/**
 * Ports for the e2e run: the stack is shifted by LOCAL_PORT_OFFSET + 100 so it never collides with a developer's
 * `npm run dev` (offset 0), the integration stack or another checkout's run; the app listens on 3000 + that offset (10100 by
 * default, see tests/helpers/port-offset.ts).
 */
export function e2ePorts(env: Record<string, string | undefined> = process.env): { stackOffset: number; appPort: number } {
  const stackOffset = testPortOffset(env) + 100;
  const appPort = env.E2E_PORT ? Number(env.E2E_PORT) : 3000 + stackOffset;
  return { stackOffset, appPort };
}
