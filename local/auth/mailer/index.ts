/**
 * The auth server's mailer: renders a template and sends it over SMTP with nodemailer.
 *
 * Configuration (GoTrue names where GoTrue has one):
 * - GOTRUE_MAILER_LINK_STYLE = verify (default) | token_hash — what `{{ .ConfirmationURL }}` is (see links.ts).
 * - GOTRUE_MAILER_SUBJECTS_<KIND>  subject template  (KIND: CONFIRMATION, INVITE, MAGIC_LINK, RECOVERY, EMAIL_CHANGE, REAUTHENTICATION)
 * - GOTRUE_MAILER_TEMPLATES_<KIND> HTML template: a file path or file:// URL (GoTrue takes an http URL; there is no
 *   network here, so a local file it is). Plain text is derived from it. Same placeholders as Supabase templates.
 * - GOTRUE_SMTP_USER / GOTRUE_SMTP_PASS (optional AUTH), GOTRUE_SMTP_ADMIN_EMAIL + GOTRUE_SMTP_SENDER_NAME (From).
 * Rate limits and per-user spacing are the callers' business (flows/mail.ts).
 *
 * Tokens, codes and links are never logged.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import nodemailer, { type Transporter } from "nodemailer";
import { confirmationUrl, type LinkStyle } from "./links";
import {
  DEFAULT_TEMPLATES,
  MAIL_KINDS,
  htmlToText,
  renderTemplate,
  type MailKind,
  type MailTemplate,
  type TemplateData,
} from "./templates";

export type { MailKind } from "./templates";
export type { LinkStyle } from "./links";

export type MailerOptions = {
  smtp: { host: string; port: number; user?: string; pass?: string };
  /** From address (GOTRUE_SMTP_ADMIN_EMAIL) and display name (GOTRUE_SMTP_SENDER_NAME). */
  from: string;
  senderName?: string;
  siteUrl: string;
  /** Public base of the auth API, e.g. http://127.0.0.1:54321/auth/v1 (GoTrue's API_EXTERNAL_URL). */
  externalUrl: string;
  linkStyle: LinkStyle;
  /** GOTRUE_* variables for template overrides. */
  env?: Record<string, string | undefined>;
};

export type SendParams = {
  to: string;
  /** user.email as templates see it ({{ .Email }}). */
  email: string;
  otp?: string;
  tokenHash?: string;
  redirectTo?: string;
  newEmail?: string;
  data?: Record<string, unknown>;
};

export type Mailer = {
  readonly linkStyle: LinkStyle;
  /** Render without sending (used by tests and by send). */
  render(kind: MailKind, params: SendParams): { subject: string; html: string; text: string };
  send(kind: MailKind, params: SendParams): Promise<void>;
  close(): void;
};

const ENV_SUFFIX: Record<MailKind, string> = {
  confirmation: "CONFIRMATION",
  invite: "INVITE",
  magic_link: "MAGIC_LINK",
  recovery: "RECOVERY",
  email_change: "EMAIL_CHANGE",
  reauthentication: "REAUTHENTICATION",
};

function readTemplateSource(ref: string, name: string): string {
  const path = ref.startsWith("file://") ? fileURLToPath(ref) : ref;
  if (/^https?:\/\//i.test(path)) {
    throw new Error(`${name}: only local template files are supported (got an http URL)`);
  }
  return readFileSync(path, "utf8");
}

/** Templates after applying GOTRUE_MAILER_SUBJECTS_* / GOTRUE_MAILER_TEMPLATES_* overrides. */
export function loadTemplates(env: Record<string, string | undefined> = {}): Record<MailKind, MailTemplate> {
  const out = {} as Record<MailKind, MailTemplate>;
  for (const kind of MAIL_KINDS) {
    const base = DEFAULT_TEMPLATES[kind];
    const subject = env[`GOTRUE_MAILER_SUBJECTS_${ENV_SUFFIX[kind]}`];
    const templateRef = env[`GOTRUE_MAILER_TEMPLATES_${ENV_SUFFIX[kind]}`];
    let html = base.html;
    let text = base.text;
    if (templateRef) {
      html = readTemplateSource(templateRef, `GOTRUE_MAILER_TEMPLATES_${ENV_SUFFIX[kind]}`);
      text = htmlToText(html);
    }
    out[kind] = { subject: subject || base.subject, html, text };
  }
  return out;
}

export function createMailer(opts: MailerOptions): Mailer {
  const templates = loadTemplates(opts.env);
  let transport: Transporter | null = null;
  const getTransport = () => {
    transport ??= nodemailer.createTransport({
      host: opts.smtp.host,
      port: opts.smtp.port,
      secure: opts.smtp.port === 465,
      auth: opts.smtp.user ? { user: opts.smtp.user, pass: opts.smtp.pass ?? "" } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
      logger: false,
      debug: false,
    });
    return transport;
  };

  const render = (kind: MailKind, p: SendParams) => {
    const t = templates[kind];
    const redirectTo = p.redirectTo || opts.siteUrl;
    const data: TemplateData = {
      SiteURL: opts.siteUrl,
      Email: p.email,
      NewEmail: p.newEmail,
      SendingTo: p.to,
      Token: p.otp,
      TokenHash: p.tokenHash,
      RedirectTo: redirectTo,
      Data: p.data ?? {},
    };
    if (kind !== "reauthentication" && p.tokenHash) {
      data.ConfirmationURL = confirmationUrl(opts.linkStyle, kind, {
        externalUrl: opts.externalUrl,
        siteUrl: opts.siteUrl,
        tokenHash: p.tokenHash,
        redirectTo,
      });
    }
    return {
      subject: renderTemplate(t.subject, data, "text"),
      html: renderTemplate(t.html, data, "html"),
      text: renderTemplate(t.text, data, "text"),
    };
  };

  return {
    linkStyle: opts.linkStyle,
    render,
    async send(kind, p) {
      const { subject, html, text } = render(kind, p);
      await getTransport().sendMail({
        from: opts.senderName ? { name: opts.senderName, address: opts.from } : opts.from,
        to: p.to,
        subject,
        html,
        text,
      });
    },
    close() {
      transport?.close();
      transport = null;
    },
  };
}
