import { parsePortOffset } from "../../local/ports";

/**
 * Test stacks default to offset 7000 (ports 61321–61325, 15079): above Linux's ephemeral range (32768–60999), where an
 * outgoing connection can hold 54321–54325 and make the start-up refuse; also clear of a developer's `npm run dev`.
 * LOCAL_PORT_OFFSET overrides it.
 */
export const TEST_PORT_OFFSET = 7000;

export function testPortOffset(env: Record<string, string | undefined> = process.env): number {
  return parsePortOffset(env.LOCAL_PORT_OFFSET ?? String(TEST_PORT_OFFSET));
}
