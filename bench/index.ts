/**
 * `npm run bench [-- name …]` — runs the registered benchmarks (all by default) and prints their numbers.
 * Add a bench by adding an entry to BENCHES (name → async function that logs its own results).
 */
import { benchAccount } from "./account";
import { benchMiddleware } from "./middleware";

export const BENCHES: Record<string, () => Promise<unknown>> = {
  account: () => benchAccount(),
  middleware: () => benchMiddleware(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
for (const name of names) {
  const run = BENCHES[name];
  if (!run) {
    console.error(`unknown bench "${name}"; known: ${Object.keys(BENCHES).join(", ")}`);
    process.exit(2);
  }
  await run();
}
process.exit(0);
