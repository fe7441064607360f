import { createServer } from "node:net";

/** Port of a local service shifted by LOCAL_PORT_OFFSET (so several stacks can run side by side). */
export function portWithOffset(base: number, offset: number): number {
  const port = base + offset;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${base} + offset ${offset} is not a valid TCP port`);
  return port;
}

/** Parses LOCAL_PORT_OFFSET (default 0); a bad value is refused with a clear message. */
export function parsePortOffset(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 60000) throw new Error(`LOCAL_PORT_OFFSET must be an integer between 0 and 60000, got "${raw}"`);
  return n;
}

/** Resolves when nothing listens on 127.0.0.1:port; rejects with "<what>: port N on 127.0.0.1 is already in use" otherwise. */
export function assertPortFree(port: number, what: string, host = "127.0.0.1"): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE") reject(new Error(`${what}: port ${port} on ${host} is already in use (set LOCAL_PORT_OFFSET or stop the other process)`));
      else reject(new Error(`${what}: cannot use ${host}:${port}: ${err.message}`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A port the OS considers free right now (for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const addr = probe.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Occupies a free port on 127.0.0.1 (for tests of "port already in use" refusals). */
export async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
