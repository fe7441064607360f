/**
 * The one place where user-supplied redirect targets (`next`, `redirect_to`) become a path.
 *
 * Only a same-origin, relative path is ever returned. Anything that a browser could interpret as another origin
 * (`//evil.com`, `/\evil.com`, `https:`, `javascript:`, encoded or control-character variants) falls back to
 * `fallback`. The result is re-serialised from a parsed URL, so what we redirect to is exactly what we checked.
 */

const PLACEHOLDER_ORIGIN = "http://safe-redirect.invalid";
const MAX_LENGTH = 2048;

export function safeRedirectPath(input: unknown, fallback = "/account"): string {
  if (typeof input !== "string") return fallback;
  if (input.length === 0 || input.length > MAX_LENGTH) return fallback;
  // Must be an absolute path: starts with exactly one "/" followed by something that is not "/" or "\".
  if (input[0] !== "/") return fallback;
  if (input.length > 1 && (input[1] === "/" || input[1] === "\\")) return fallback;
  // Backslashes are treated as "/" by browsers; control characters and whitespace are stripped or reinterpreted.
  if (/[\\\u0000-\u0020\u007f-\u009f\s\u200b-\u200f\u2028-\u202e\ufeff]/.test(input)) return fallback;
  // Percent-encoded slashes, backslashes and control characters are refused too: some servers and frameworks
  // decode once more before redirecting.
  if (/%(?:2f|5c|0[0-9a-f]|1[0-9a-f]|7f|09|20)/i.test(input)) return fallback;

  let url: URL;
  try {
    url = new URL(input, PLACEHOLDER_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Paranoia: the normalised result must still be a single-slash relative path.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return fallback;
  return path;
}
