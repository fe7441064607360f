import { describe, expect, it } from "vitest";
import { retryAfterSeconds, retryAfterText } from "./retry-after";

describe("retryAfterText", () => {
  it("reads the gateway's message", () => {
    expect(retryAfterSeconds("Too many requests. Try again in 840 seconds.")).toBe(840);
    expect(retryAfterText("Too many requests. Try again in 840 seconds.")).toBe("Try again in 14 minutes.");
    expect(retryAfterText("Too many requests. Try again in 1 seconds.")).toBe("Try again in 1 second.");
    expect(retryAfterText("Try again in 60 seconds")).toBe("Try again in 1 minute.");
  });
  it("falls back to a generic sentence", () => {
    expect(retryAfterText(undefined)).toBe("Please wait a few minutes and try again.");
    expect(retryAfterText("Try again in 99999999999 seconds")).toBe("Please wait a few minutes and try again.");
  });
});
