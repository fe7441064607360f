import { NextRequest } from "next/server";
import { describe, expect, it, vi } from "vitest";
import { hasAuthCookie, updateSession } from "./middleware";

const request = (cookie?: string) => new NextRequest("http://localhost/account", { headers: cookie ? { cookie } : {} });

describe("updateSession", () => {
  it.each([
    ["sb-mindroom-auth=base64-abc", true],
    ["sb-mindroom-auth.0=base64-abc; sb-mindroom-auth.1=def", true],
    ["sb-mindroom-auth-code-verifier=x", false],
    ["sb-other-auth=x", false],
    [undefined, false],
  ])("recognises the auth cookie in %j → %s", (cookie, expected) => {
    expect(hasAuthCookie(request(cookie))).toBe(expected);
  });

  it("does no work (no network) for requests without a session cookie", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const refresh = await updateSession(request(), { supabaseUrl: "http://127.0.0.1:1", publishableKey: "sb_publishable_x", secure: false });
    expect(refresh).toEqual({ cookies: [], headers: {}, userId: null });
    expect(fetchSpy).not.toHaveBeenCalled();
    fetchSpy.mockRestore();
  });
});
