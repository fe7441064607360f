import nodemailer from "nodemailer";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { occupyPort } from "../ports";
import { startMailCatcher, type CaughtMessage, type MailCatcher } from "./index";

let catcher: MailCatcher;

beforeAll(async () => {
  catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
});
afterAll(async () => {
  await catcher?.stop();
});
beforeEach(async () => {
  await fetch(`${catcher.httpUrl}/api/messages`, { method: "DELETE" });
});

function transport() {
  return nodemailer.createTransport({ host: "127.0.0.1", port: catcher.smtpPort, secure: false, ignoreTLS: true });
}

async function list(query = ""): Promise<CaughtMessage[]> {
  const res = await fetch(`${catcher.httpUrl}/api/messages${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as CaughtMessage[];
}

describe("mail catcher", () => {
  it("catches mail over SMTP and serves it newest first through the JSON API", async () => {
    const t = transport();
    await t.sendMail({ from: "Auth <noreply@example.test>", to: "Alice@Example.test", subject: "first", text: "one" });
    await t.sendMail({
      from: "noreply@example.test",
      to: "bob@example.test",
      bcc: "carol@example.test",
      subject: "second ✓",
      html: "<p>Reset: <a href=\"http://localhost:3000/auth/confirm?token_hash=abc&amp;type=recovery\">link</a></p>",
    });
    const all = await list();
    expect(all.map((m) => m.subject)).toEqual(["second ✓", "first"]);
    const [second, first] = all as [CaughtMessage, CaughtMessage];
    expect(first).toMatchObject({ from: "\"Auth\" <noreply@example.test>", to: ["Alice@example.test"], text: "one\n" });
    expect(second.to).toEqual(["bob@example.test", "carol@example.test"]); // envelope recipients, bcc included
    expect(second.html).toContain("token_hash=abc");
    expect(new Date(second.date).getTime()).toBeGreaterThan(Date.now() - 60_000);

    const one = await fetch(`${catcher.httpUrl}/api/messages/${first.id}`);
    expect(await one.json()).toEqual(first);
  });

  it("filters by recipient case-insensitively", async () => {
    const t = transport();
    await t.sendMail({ from: "a@example.test", to: "Dana@Example.test", subject: "for dana", text: "x" });
    await t.sendMail({ from: "a@example.test", to: "erin@example.test", subject: "for erin", text: "x" });
    expect((await list("?to=dana@EXAMPLE.test")).map((m) => m.subject)).toEqual(["for dana"]);
    expect(await list("?to=nobody@example.test")).toEqual([]);
  });

  it("DELETE empties the mailbox; unknown ids are 404; other methods 405", async () => {
    await transport().sendMail({ from: "a@example.test", to: "f@example.test", subject: "s", text: "x" });
    expect(await list()).toHaveLength(1);
    expect((await fetch(`${catcher.httpUrl}/api/messages`, { method: "DELETE" })).status).toBe(200);
    expect(await list()).toEqual([]);
    expect((await fetch(`${catcher.httpUrl}/api/messages/nope`)).status).toBe(404);
    expect((await fetch(`${catcher.httpUrl}/api/messages`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${catcher.httpUrl}/messages/nope`)).status).toBe(404);
  });

  it("escapes message content in the web UI and isolates message HTML in a sandbox", async () => {
    await transport().sendMail({
      from: "a@example.test",
      to: "g@example.test",
      subject: "<script>alert(1)</script>",
      text: "see https://example.test/x?a=1&b=<2>",
      html: "<img src=x onerror=alert(1)><a href=\"https://example.test/verify?t=1&amp;u=2\">go</a>",
    });
    const index = await (await fetch(catcher.httpUrl)).text();
    expect(index).not.toContain("<script>alert(1)</script>");
    expect(index).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    const [msg] = await list();
    const viewRes = await fetch(`${catcher.httpUrl}/messages/${msg!.id}`);
    expect(viewRes.headers.get("content-security-policy")).toContain("default-src 'none'");
    const view = await viewRes.text();
    expect(view).not.toContain("<img src=x onerror");
    expect(view).toContain('href="https://example.test/verify?t=1&amp;u=2"'); // extracted link, escaped
    expect(view).toContain("<iframe sandbox=");
    const raw = await fetch(`${catcher.httpUrl}/messages/${msg!.id}/html`);
    expect(raw.headers.get("content-security-policy")).toMatch(/^sandbox /);
  });

  it("keeps at most maxMessages, dropping the oldest", async () => {
    const small = await startMailCatcher({ smtpPort: 0, httpPort: 0, maxMessages: 2 });
    try {
      const t = nodemailer.createTransport({ host: "127.0.0.1", port: small.smtpPort, secure: false, ignoreTLS: true });
      for (const s of ["m1", "m2", "m3"]) await t.sendMail({ from: "a@example.test", to: "h@example.test", subject: s, text: s });
      expect(small.messages().map((m) => m.subject)).toEqual(["m3", "m2"]);
    } finally {
      await small.stop();
    }
  });

  it("refuses a port that is taken with a clear message", async () => {
    const blocker = await occupyPort();
    const port = blocker.port;
    try {
      await expect(startMailCatcher({ smtpPort: 0, httpPort: port })).rejects.toThrow(`port ${port} on 127.0.0.1 is already in use`);
      await expect(startMailCatcher({ smtpPort: port, httpPort: 0 })).rejects.toThrow(/SMTP: port \d+ .* already in use/);
    } finally {
      await blocker.close();
    }
  });
});
