/**
 * The app's own security notification: "your password was changed", sent over SMTP (SMTP_URL / MAIL_FROM) with a
 * "this wasn't me" link. That link is a fresh recovery token (admin generate_link → hashed_token) wrapped in the
 * scanner-safe /auth/confirm URL with `next=/reset-password?compromised=1`: on the person's POST, /auth/confirm ends
 * every other session, and the reset page lets them choose a new password (ASVS 6.3.7: notify after reset/change).
 * The link is never logged.
 */
import nodemailer, { type Transporter } from "nodemailer";

export type PasswordChangedMail = { to: string; when: Date; compromisedLink: string; siteUrl: string };

export function compromisedLink(siteUrl: string, hashedToken: string): string {
  const params = new URLSearchParams({ token_hash: hashedToken, type: "recovery", next: "/reset-password?compromised=1" });
  return `${siteUrl.replace(/\/+$/, "")}/auth/confirm?${params.toString()}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderPasswordChanged(mail: PasswordChangedMail): { subject: string; text: string; html: string } {
  const when = mail.when.toUTCString();
  const subject = "Your password was changed";
  const text = [
    "Hello,",
    "",
    `The password of your MindRoom account (${mail.to}) was changed on ${when}.`,
    "If this was you, there is nothing else to do.",
    "",
    "If this wasn't you, open the link below. It signs your account out everywhere and lets you choose a new password:",
    mail.compromisedLink,
    "",
    "The link works once and expires in one hour.",
  ].join("\n");
  const html = `<!doctype html><html><body>
<p>Hello,</p>
<p>The password of your MindRoom account (${escapeHtml(mail.to)}) was changed on ${escapeHtml(when)}.</p>
<p>If this was you, there is nothing else to do.</p>
<p>If this wasn't you, use the link below. It signs your account out everywhere and lets you choose a new password:</p>
<p><a href="${escapeHtml(mail.compromisedLink)}">This wasn't me — secure my account</a></p>
<p>The link works once and expires in one hour.</p>
</body></html>`;
  return { subject, text, html };
}

let transport: Transporter | undefined;
let transportUrl: string | undefined;

function transportFor(smtpUrl: string): Transporter {
  if (!transport || transportUrl !== smtpUrl) {
    transport = nodemailer.createTransport(smtpUrl);
    transportUrl = smtpUrl;
  }
  return transport;
}

export async function sendPasswordChanged(
  mail: PasswordChangedMail,
  config: { smtpUrl: string; from: string },
  send: (message: { from: string; to: string; subject: string; text: string; html: string }) => Promise<unknown> = (m) =>
    transportFor(config.smtpUrl).sendMail(m),
): Promise<void> {
  const { subject, text, html } = renderPasswordChanged(mail);
  await send({ from: config.from, to: mail.to, subject, text, html });
}
