import { describe, expect, it } from "vitest";
import { compromisedLink, renderPasswordChanged, sendPasswordChanged } from "./password-changed";

const HASH = "ab".repeat(28);

describe("password-changed mail", () => {
  it("builds a scanner-safe recovery link through /auth/confirm with the compromised journey", () => {
    const link = new URL(compromisedLink("http://localhost:3000/", HASH));
    expect(link.pathname).toBe("/auth/confirm");
    expect(link.searchParams.get("token_hash")).toBe(HASH);
    expect(link.searchParams.get("type")).toBe("recovery");
    expect(link.searchParams.get("next")).toBe("/reset-password?compromised=1");
  });

  it("escapes the address in HTML and carries the link in text and html", () => {
    const link = compromisedLink("http://localhost:3000", HASH);
    const r = renderPasswordChanged({ to: "a<b>@example.com", when: new Date(0), compromisedLink: link, siteUrl: "http://localhost:3000" });
    expect(r.html).not.toContain("<b>");
    expect(r.html).toContain("a&#60;b&#62;@example.com");
    expect(r.text).toContain(link);
    expect(r.html).toContain(link.replace(/&/g, "&#38;"));
    expect(r.subject).toBe("Your password was changed");
  });

  it("sends through the given transport with the configured sender", async () => {
    const sent: Array<Record<string, string>> = [];
    await sendPasswordChanged(
      { to: "p@example.com", when: new Date(), compromisedLink: compromisedLink("http://x.test", HASH), siteUrl: "http://x.test" },
      { smtpUrl: "smtp://127.0.0.1:1", from: "Sec <sec@x.test>" },
      async (m) => sent.push(m),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ from: "Sec <sec@x.test>", to: "p@example.com" });
  });
});
