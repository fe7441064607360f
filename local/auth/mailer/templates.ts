/**
 * Default mail templates (subject, HTML, plain text) and a tiny renderer for the Go-template subset that
 * Supabase email templates use: `{{ .ConfirmationURL }}`, `{{ .Token }}`, `{{ .TokenHash }}`,
 * `{{ .SiteURL }}`, `{{ .RedirectTo }}`, `{{ .Email }}`, `{{ .NewEmail }}`, `{{ .SendingTo }}`, `{{ .Data.key }}`.
 * Unknown fields render as the empty string (Go renders "<no value>" for missing map keys; empty is kinder).
 */

export type MailKind = "confirmation" | "invite" | "magic_link" | "recovery" | "email_change" | "reauthentication";

export const MAIL_KINDS: MailKind[] = ["confirmation", "invite", "magic_link", "recovery", "email_change", "reauthentication"];

export type TemplateData = {
  SiteURL: string;
  ConfirmationURL?: string;
  Email: string;
  NewEmail?: string;
  SendingTo?: string;
  Token?: string;
  TokenHash?: string;
  RedirectTo?: string;
  Data?: Record<string, unknown>;
};

export type MailTemplate = { subject: string; html: string; text: string };

export const DEFAULT_TEMPLATES: Record<MailKind, MailTemplate> = {
  confirmation: {
    subject: "Confirm your email address",
    html: `<h2>Confirm your email address</h2>
<p>Follow the link below to confirm this email address and finish signing up.</p>
<p><a href="{{ .ConfirmationURL }}">Confirm email address</a></p>
<p>Or enter this code: {{ .Token }}</p>`,
    text: `Confirm your email address

Follow the link below to confirm this email address and finish signing up:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}
`,
  },
  invite: {
    subject: "You've been invited",
    html: `<h2>You've been invited</h2>
<p>You've been invited to create an account. Follow the link below to accept.</p>
<p><a href="{{ .ConfirmationURL }}">Accept invitation</a></p>
<p>Or enter this code: {{ .Token }}</p>`,
    text: `You've been invited

You've been invited to create an account. Follow the link below to accept:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}
`,
  },
  magic_link: {
    subject: "Your sign-in link",
    html: `<h2>Your sign-in link</h2>
<p>Follow the link below to sign in. This link expires shortly and can only be used once.</p>
<p><a href="{{ .ConfirmationURL }}">Sign in</a></p>
<p>Or enter this code: {{ .Token }}</p>`,
    text: `Your sign-in link

Follow the link below to sign in. This link expires shortly and can only be used once:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}
`,
  },
  recovery: {
    subject: "Reset your password",
    html: `<h2>Reset your password</h2>
<p>We received a request to reset your password. Follow the link below to choose a new one.</p>
<p><a href="{{ .ConfirmationURL }}">Reset password</a></p>
<p>Or enter this code: {{ .Token }}</p>
<p>If you didn't request this, you can safely ignore this email.</p>`,
    text: `Reset your password

We received a request to reset your password. Follow the link below to choose a new one:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

If you didn't request this, you can safely ignore this email.
`,
  },
  email_change: {
    subject: "Confirm your new email address",
    html: `<h2>Confirm your new email address</h2>
<p>Follow the link below to confirm {{ .NewEmail }} as your new email address.</p>
<p><a href="{{ .ConfirmationURL }}">Confirm new email address</a></p>
<p>Or enter this code: {{ .Token }}</p>
<p>If you didn't request this change, you can safely ignore this email.</p>`,
    text: `Confirm your new email address

Follow the link below to confirm {{ .NewEmail }} as your new email address:
{{ .ConfirmationURL }}

Or enter this code: {{ .Token }}

If you didn't request this change, you can safely ignore this email.
`,
  },
  reauthentication: {
    subject: "{{ .Token }} is your verification code",
    html: `<h2>Your verification code</h2>
<p>Use the code below to verify your identity. It expires shortly.</p>
<p>{{ .Token }}</p>`,
    text: `Your verification code

Use the code below to verify your identity. It expires shortly:
{{ .Token }}
`,
  },
};

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

function lookup(data: TemplateData, path: string[]): string {
  let cur: unknown = data;
  for (const key of path) {
    if (cur === null || typeof cur !== "object") return "";
    cur = (cur as Record<string, unknown>)[key];
  }
  if (cur === undefined || cur === null) return "";
  if (typeof cur === "string") return cur;
  if (typeof cur === "number" || typeof cur === "boolean") return String(cur);
  return JSON.stringify(cur);
}

/**
 * Render `{{ .Field }}` / `{{ .Data.key }}` placeholders. `mode: "html"` escapes values (like Go's
 * html/template), "text" inserts them verbatim. Anything that is not a simple field reference is left as is.
 */
export function renderTemplate(template: string, data: TemplateData, mode: "html" | "text"): string {
  return template.replace(/\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)\s*-?\}\}/g, (_m, path: string) => {
    const value = lookup(data, path.split("."));
    return mode === "html" ? escapeHtml(value) : value;
  });
}

/** Plain text from an HTML template (for custom HTML templates that come without a text version). */
export function htmlToText(html: string): string {
  return html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>(.*?)<\/a>/gis, (_m, href: string, label: string) => `${label}: ${href}`)
    .replace(/<(br|\/p|\/h[1-6]|\/div|\/li)\s*\/?>/gi, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
