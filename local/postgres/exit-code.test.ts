import { describe, expect, it } from "vitest";

describe("local/postgres module load", () => {
  it("leaves no beforeExit hook behind (async-exit-hook's would process.exit(0) and hide a failed test run)", async () => {
    const before = process.listeners("beforeExit").length;
    await import("./index");
    expect(process.listeners("beforeExit")).toHaveLength(before);
  });
});
