/**
 * TOTP for MFA factors, as GoTrue does it (pquerna/otp defaults): 20-byte secret in base32, SHA1,
 * 6 digits, 30 s period, one step of skew either side; the enrol response carries the otpauth:// URI and
 * an SVG QR code of it. GoTrue sends the raw `<svg…>`; auth-js prefixes `data:image/svg+xml;utf-8,`.
 *
 * Replay: verifyTotp returns the matched time step; callers reject a step at or before the last one a
 * factor accepted (GoTrue itself only forbids re-verifying a challenge; refusing a reused code is stricter).
 */
import { generateSecret, verify } from "otplib";
import QRCode from "qrcode";

export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;

export function generateTotpSecret(): string {
  return generateSecret({ length: 20 });
}

function sortedQuery(params: Record<string, string>): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!)}`)
    .join("&");
}

/** otpauth://totp/<issuer>:<account>?algorithm=SHA1&digits=6&issuer=<issuer>&period=30&secret=<secret> */
export function totpUri(opts: { issuer: string; account: string; secret: string }): string {
  const label = `${encodeURIComponent(opts.issuer)}:${encodeURIComponent(opts.account)}`;
  return `otpauth://totp/${label}?${sortedQuery({
    algorithm: "SHA1",
    digits: String(TOTP_DIGITS),
    issuer: opts.issuer,
    period: String(TOTP_PERIOD),
    secret: opts.secret,
  })}`;
}

/** SVG markup of a QR code for `text` (high error correction, like GoTrue's qr.H). */
export async function qrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: "svg", errorCorrectionLevel: "H", margin: 4 });
}

export type TotpCheck = { valid: true; timeStep: number } | { valid: false };

/**
 * Verify a 6-digit code against `secret` with ±1 step tolerance. `afterTimeStep` rejects codes from a
 * step at or before the given one (replay protection).
 */
export async function verifyTotp(secret: string, code: string, opts: { afterTimeStep?: number; epoch?: number } = {}): Promise<TotpCheck> {
  if (typeof code !== "string") return { valid: false };
  code = code.trim(); // pquerna/otp trims the passcode too
  if (!/^\d{6}$/.test(code)) return { valid: false };
  try {
    const r = await verify({
      secret,
      token: code,
      epochTolerance: TOTP_PERIOD,
      period: TOTP_PERIOD,
      digits: TOTP_DIGITS,
      algorithm: "sha1",
      ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}),
      ...(opts.afterTimeStep !== undefined ? { afterTimeStep: opts.afterTimeStep } : {}),
    });
    if (r.valid && "timeStep" in r && typeof r.timeStep === "number") return { valid: true, timeStep: r.timeStep };
    return { valid: false };
  } catch {
    return { valid: false };
  }
}
