/**
 * Per-request Content-Security-Policy with a nonce (security-requirements.md, ASVS 3.4.3).
 *
 * Production script-src never has 'unsafe-inline' or 'unsafe-eval': scripts run because they carry the nonce, and
 * 'strict-dynamic' lets those scripts load the chunks they need. `next dev` needs 'unsafe-eval' (React's dev call
 * stacks) and a WebSocket for HMR, and injects unnonced styles, so the development policy relaxes exactly those.
 */

export const CSP_REPORT_PATH = "/api/security-events";
export const CSP_REPORT_GROUP = "csp-endpoint";

export type CspOptions = {
  nonce: string;
  /** true only under `next dev`. */
  development: boolean;
  /** Extra origins the browser talks to directly (the browser uses the app's own origin via the auth gateway). */
  connectSrc?: readonly string[];
  /** Adds upgrade-insecure-requests (production over HTTPS). */
  upgradeInsecureRequests?: boolean;
};

/** 128 bits from the Web Crypto CSPRNG, base64 — a new value for every response. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function buildCsp(options: CspOptions): string {
  if (!/^[A-Za-z0-9+/]{16,}={0,2}$/.test(options.nonce)) throw new TypeError("CSP nonce must be base64 (≥ 16 chars)");
  const nonce = `'nonce-${options.nonce}'`;
  const connect = ["'self'", ...(options.connectSrc ?? [])];
  if (options.development) connect.push("ws:", "wss:");
  const directives: [string, ...string[]][] = [
    // Deny by default; every fetch directive the app needs is listed below.
    ["default-src", "'none'"],
    ["script-src", "'self'", nonce, "'strict-dynamic'", ...(options.development ? ["'unsafe-eval'"] : [])],
    // With a nonce present browsers ignore 'unsafe-inline', so dev (unnonced injected styles) uses it without a nonce.
    ["style-src", "'self'", ...(options.development ? ["'unsafe-inline'"] : [nonce])],
    ["img-src", "'self'", "data:", "blob:"],
    ["font-src", "'self'"],
    ["connect-src", ...connect],
    ["object-src", "'none'"],
    ["base-uri", "'none'"],
    ["frame-ancestors", "'none'"],
    ["form-action", "'self'"],
    ["manifest-src", "'self'"],
    ["worker-src", "'self'", "blob:"],
    ["report-uri", CSP_REPORT_PATH],
    ["report-to", CSP_REPORT_GROUP],
  ];
  if (options.upgradeInsecureRequests) directives.push(["upgrade-insecure-requests"]);
  return directives.map((directive) => directive.join(" ")).join("; ");
}

/** The Reporting API endpoint header that `report-to` refers to. */
export function reportingEndpointsHeader(): string {
  return `${CSP_REPORT_GROUP}="${CSP_REPORT_PATH}"`;
}
