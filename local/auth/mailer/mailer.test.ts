import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailCatcher, type MailCatcher } from "@/local/mail";
import { createMailer, loadTemplates } from "./index";
import { tokenHashLink, verifyLink } from "./links";
import { renderTemplate } from "./templates";

const base = {
  from: "admin@example.com",
  siteUrl: "http://localhost:3000",
  externalUrl: "http://127.0.0.1:54321/auth/v1",
  smtp: { host: "127.0.0.1", port: 1 },
};

describe("mail links", () => {
  it("verify style matches GoTrue's ConfirmationURL", () => {
    expect(verifyLink(base.externalUrl, "pkce_abc", "recovery", "http://localhost:3000/reset")).toBe(
      "http://127.0.0.1:54321/auth/v1/verify?token=pkce_abc&type=recovery&redirect_to=http://localhost:3000/reset",
    );
    // a redirect with its own query is escaped so it survives as one parameter
    expect(verifyLink(base.externalUrl, "h", "signup", "http://localhost:3000/cb?next=/a&x=1")).toBe(
      "http://127.0.0.1:54321/auth/v1/verify?token=h&type=signup&redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb%3Fnext%3D%2Fa%26x%3D1",
    );
  });

  it("token_hash style points at the site's /auth/confirm", () => {
    const u = new URL(tokenHashLink("http://localhost:3000/", "abc", "recovery", "http://localhost:3000/reset?x=1"));
    expect(u.origin + u.pathname).toBe("http://localhost:3000/auth/confirm");
    expect(u.searchParams.get("token_hash")).toBe("abc");
    expect(u.searchParams.get("type")).toBe("recovery");
    expect(u.searchParams.get("next")).toBe("http://localhost:3000/reset?x=1");
  });
});

describe("templates", () => {
  it("escapes values in HTML but not in text, and reads .Data fields", () => {
    const data = { SiteURL: "s", Email: "<a>&b", Data: { name: "Ann \"Q\"" } };
    expect(renderTemplate("{{ .Email }} {{ .Data.name }} {{ .Missing }}", data, "html")).toBe("&lt;a&gt;&amp;b Ann &#34;Q&#34; ");
    expect(renderTemplate("{{ .Email }} {{.Data.name}}", data, "text")).toBe("<a>&b Ann \"Q\"");
  });

  it("renders each kind with its link style and the 6-digit code", () => {
    const verify = createMailer({ ...base, linkStyle: "verify" });
    const m = verify.render("recovery", { to: "u@example.com", email: "u@example.com", otp: "123456", tokenHash: "pkce_deadbeef", redirectTo: "http://localhost:3000/reset" });
    expect(m.subject).toBe("Reset your password");
    expect(m.text).toContain("http://127.0.0.1:54321/auth/v1/verify?token=pkce_deadbeef&type=recovery&redirect_to=http://localhost:3000/reset");
    expect(m.html).toContain('href="http://127.0.0.1:54321/auth/v1/verify?token=pkce_deadbeef&amp;type=recovery&amp;redirect_to=http://localhost:3000/reset"');
    expect(m.text).toContain("123456");

    const th = createMailer({ ...base, linkStyle: "token_hash" });
    const s = th.render("confirmation", { to: "u@example.com", email: "u@example.com", otp: "654321", tokenHash: "cafe" });
    expect(s.text).toContain("http://localhost:3000/auth/confirm?token_hash=cafe&type=email&next=http%3A%2F%2Flocalhost%3A3000");
    expect(s.text).toContain("654321");

    const r = th.render("reauthentication", { to: "u@example.com", email: "u@example.com", otp: "000111" });
    expect(r.subject).toBe("000111 is your verification code");
    expect(r.text).not.toContain("http");
  });

  it("takes subject and HTML template overrides from GOTRUE_MAILER_* env", () => {
    const dir = mkdtempSync(join(tmpdir(), "h2-tpl-"));
    const file = join(dir, "invite.html");
    writeFileSync(file, '<p>Join: <a href="{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}&type=invite">accept</a></p>');
    const t = loadTemplates({ GOTRUE_MAILER_TEMPLATES_INVITE: file, GOTRUE_MAILER_SUBJECTS_INVITE: "Welcome {{ .Email }}" });
    expect(t.invite.subject).toBe("Welcome {{ .Email }}");
    const mailer = createMailer({ ...base, linkStyle: "verify", env: { GOTRUE_MAILER_TEMPLATES_INVITE: `file://${file}`, GOTRUE_MAILER_SUBJECTS_INVITE: "Welcome {{ .Email }}" } });
    const m = mailer.render("invite", { to: "x@example.com", email: "x@example.com", otp: "1", tokenHash: "ff" });
    expect(m.subject).toBe("Welcome x@example.com");
    expect(m.html).toContain("http://localhost:3000/auth/confirm?token_hash=ff&type=invite");
    expect(m.text).toContain("accept: http://localhost:3000/auth/confirm?token_hash=ff&type=invite");
    expect(() => loadTemplates({ GOTRUE_MAILER_TEMPLATES_RECOVERY: "https://example.com/t.html" })).toThrow(/local template files/);
  });
});

describe("SMTP delivery", () => {
  let catcher: MailCatcher;
  beforeAll(async () => {
    catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
  });
  afterAll(async () => {
    await catcher.stop();
  });

  it("delivers to the catcher with From, subject, html and text", async () => {
    const mailer = createMailer({ ...base, smtp: { host: "127.0.0.1", port: catcher.smtpPort }, senderName: "Auth", linkStyle: "verify" });
    await mailer.send("magic_link", { to: "deliver@example.com", email: "deliver@example.com", otp: "424242", tokenHash: "abc" });
    mailer.close();
    const msg = catcher.messages().find((m) => m.to.includes("deliver@example.com"));
    expect(msg?.subject).toBe("Your sign-in link");
    expect(msg?.from).toContain("admin@example.com");
    expect(msg?.text).toContain("424242");
    expect(msg?.html).toContain("type=magiclink");
  });
});
