/**
 * Links put in auth mails, in the two forms Supabase email templates use:
 *
 * - "verify" (GoTrue's default `{{ .ConfirmationURL }}`):
 *     {API_EXTERNAL_URL}/verify?token=<token_hash, pkce_-prefixed for PKCE>&type=<signup|invite|magiclink|recovery|email_change>&redirect_to=<url>
 *   Opening it makes the auth server consume the token and 303 to redirect_to (#access_token… or ?code=…).
 * - "token_hash" (the server-side-auth template from Supabase's SSR guides):
 *     {SITE_URL}/auth/confirm?token_hash=<token_hash>&type=<email|invite|recovery|email_change>&next=<redirect_to>
 *   The app's page calls verifyOtp({ token_hash, type }) itself — on a POST, so mail scanners that GET
 *   the link consume nothing, and it works in a browser other than the one that asked.
 */
import type { MailKind } from "./templates";

export type LinkStyle = "verify" | "token_hash";

/** `type` GoTrue puts in its /verify links for each mail. */
export const VERIFY_TYPE: Record<Exclude<MailKind, "reauthentication">, string> = {
  confirmation: "signup",
  invite: "invite",
  magic_link: "magiclink",
  recovery: "recovery",
  email_change: "email_change",
};

/** `type` the token_hash template uses (Supabase's docs: signup and magic link confirm with type=email). */
export const TOKEN_HASH_TYPE: Record<Exclude<MailKind, "reauthentication">, string> = {
  confirmation: "email",
  invite: "invite",
  magic_link: "email",
  recovery: "recovery",
  email_change: "email_change",
};

/** Go's url.QueryEscape (space → '+'). */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

/** GoTrue's encodeRedirectURL: escape only when the value still contains &, = or # (i.e. was not escaped). */
function encodeRedirect(url: string): string {
  return /[&=#]/.test(url) ? queryEscape(url) : url;
}

function trimSlash(s: string): string {
  return s.replace(/\/+$/, "");
}

/** GoTrue's /verify link (`{{ .ConfirmationURL }}`, and generate_link's action_link). */
export function verifyLink(externalUrl: string, tokenHashWithPrefix: string, verifyType: string, redirectTo: string): string {
  return `${trimSlash(externalUrl)}/verify?token=${queryEscape(tokenHashWithPrefix)}&type=${queryEscape(verifyType)}&redirect_to=${encodeRedirect(redirectTo)}`;
}

/** `{{ .SiteURL }}/auth/confirm?token_hash={{ .TokenHash }}&type=…&next={{ .RedirectTo }}` */
export function tokenHashLink(siteUrl: string, tokenHashWithPrefix: string, type: string, redirectTo: string): string {
  const params = new URLSearchParams({ token_hash: tokenHashWithPrefix, type });
  if (redirectTo) params.set("next", redirectTo);
  return `${trimSlash(siteUrl)}/auth/confirm?${params.toString()}`;
}

export function confirmationUrl(
  style: LinkStyle,
  kind: Exclude<MailKind, "reauthentication">,
  opts: { externalUrl: string; siteUrl: string; tokenHash: string; redirectTo: string },
): string {
  return style === "token_hash"
    ? tokenHashLink(opts.siteUrl, opts.tokenHash, TOKEN_HASH_TYPE[kind], opts.redirectTo)
    : verifyLink(opts.externalUrl, opts.tokenHash, VERIFY_TYPE[kind], opts.redirectTo);
}
