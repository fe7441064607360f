/**
 * Signing keys for the local auth server.
 *
 * - Default: one ES256 key, generated on first start and kept in `<dataDir>/jwt-keys.json`.
 * - GOTRUE_JWT_KEYS: a JSON array of private JWKs (EC P-256 / RSA / oct); the key whose `key_ops` contains
 *   "sign" signs, every asymmetric key is published in the JWKS and accepted for verification.
 * - GOTRUE_JWT_SECRET without GOTRUE_JWT_KEYS: legacy HS256 mode (no kid, empty JWKS).
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, decodeProtectedHeader } from "jose";
import type { JWK, JWTPayload, JWTVerifyResult } from "jose";

type Key = CryptoKey | Uint8Array;

interface LoadedKey {
  kid: string | undefined;
  alg: string;
  canSign: boolean;
  signKey?: Key;
  verifyKey: Key;
  publicJwk?: JWK;
}

export interface KeyStore {
  /** alg of the signing key (ES256, RS256 or HS256) */
  readonly alg: string;
  readonly kid: string | undefined;
  sign(payload: JWTPayload): Promise<string>;
  /** Verifies signature (and exp when present) with any known key; throws on failure. */
  verify(token: string): Promise<JWTVerifyResult>;
  /** `{ keys: [...] }` with public keys only. */
  jwks(): { keys: JWK[] };
}

const SUPPORTED = new Set(["ES256", "RS256", "HS256"]);
/** verified tokens kept (exact token string → claims) so hot paths skip the signature check; bounded, exp-checked */
const VERIFY_CACHE_MAX = 10_000;

function inferAlg(jwk: JWK): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === "EC") return "ES256";
  if (jwk.kty === "RSA") return "RS256";
  if (jwk.kty === "oct") return "HS256";
  throw new Error(`unsupported JWK kty ${String(jwk.kty)}`);
}

function publicPart(jwk: JWK, alg: string): JWK {
  const out: JWK = { kty: jwk.kty, kid: jwk.kid, alg, use: "sig", key_ops: ["verify"] };
  if (jwk.kty === "EC") Object.assign(out, { crv: jwk.crv, x: jwk.x, y: jwk.y });
  if (jwk.kty === "RSA") Object.assign(out, { n: jwk.n, e: jwk.e });
  return out;
}

async function loadJwk(jwk: JWK, forceSign: boolean): Promise<LoadedKey> {
  const alg = inferAlg(jwk);
  if (!SUPPORTED.has(alg)) throw new Error(`unsupported JWT key algorithm ${alg}`);
  const canSign = forceSign || (Array.isArray(jwk.key_ops) && jwk.key_ops.includes("sign"));
  if (jwk.kty === "oct") {
    const secret = Buffer.from(jwk.k ?? "", "base64url");
    return { kid: jwk.kid, alg, canSign, signKey: secret, verifyKey: secret };
  }
  const pub = publicPart(jwk, alg);
  const verifyKey = (await importJWK({ ...pub, key_ops: undefined }, alg)) as CryptoKey;
  const hasPrivate = typeof jwk.d === "string";
  const signKey = hasPrivate ? ((await importJWK({ ...jwk, key_ops: undefined, alg }, alg)) as CryptoKey) : undefined;
  return { kid: jwk.kid, alg, canSign: canSign && hasPrivate, signKey, verifyKey, publicJwk: pub };
}

async function loadOrCreatePersistedKey(dataDir: string): Promise<JWK> {
  const file = path.join(dataDir, "jwt-keys.json");
  try {
    const parsed = JSON.parse(await readFile(file, "utf8")) as { keys?: JWK[] };
    const key = parsed.keys?.[0];
    if (key && key.d) return key;
  } catch {
    // first start, or an unreadable file: generate a new key below
  }
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: "ES256", use: "sig", key_ops: ["sign", "verify"] };
  await mkdir(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, JSON.stringify({ keys: [jwk] }, null, 2), { mode: 0o600 });
  try {
    // another process may have created it meanwhile; keep the first one
    const existing = JSON.parse(await readFile(file, "utf8")) as { keys?: JWK[] };
    if (existing.keys?.[0]?.d) return existing.keys[0];
  } catch {
    // no file yet
  }
  await rename(tmp, file);
  return jwk;
}

export async function createKeyStore(opts: { jwtKeys: string | null; jwtSecret: string | null; dataDir: string }): Promise<KeyStore> {
  const keys: LoadedKey[] = [];
  if (opts.jwtKeys) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(opts.jwtKeys);
    } catch {
      throw new Error("GOTRUE_JWT_KEYS must be a JSON array of JWKs");
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
    if (!Array.isArray(list) || list.length === 0) throw new Error("GOTRUE_JWT_KEYS must be a non-empty JSON array of JWKs");
    for (const jwk of list as JWK[]) keys.push(await loadJwk(jwk, false));
    if (opts.jwtSecret) keys.push(await loadJwk({ kty: "oct", k: Buffer.from(opts.jwtSecret).toString("base64url") }, false));
    if (!keys.some((k) => k.canSign)) throw new Error('GOTRUE_JWT_KEYS has no key with key_ops ["sign"]');
  } else if (opts.jwtSecret) {
    keys.push(await loadJwk({ kty: "oct", k: Buffer.from(opts.jwtSecret).toString("base64url") }, true));
  } else {
    keys.push(await loadJwk(await loadOrCreatePersistedKey(opts.dataDir), true));
  }
  const signer = keys.find((k) => k.canSign)!;
  const byKid = new Map(keys.filter((k) => k.kid).map((k) => [k.kid!, k]));
  const hmac = keys.find((k) => k.alg === "HS256");
  const jwks = { keys: keys.filter((k) => k.publicJwk).map((k) => k.publicJwk!) };
  const verified = new Map<string, { result: JWTVerifyResult; exp: number | undefined }>();

  return {
    alg: signer.alg,
    kid: signer.kid,
    async sign(payload) {
      const header: { alg: string; typ: string; kid?: string } = { alg: signer.alg, typ: "JWT" };
      if (signer.kid && signer.alg !== "HS256") header.kid = signer.kid;
      return new SignJWT(payload).setProtectedHeader(header).sign(signer.signKey!);
    },
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (hit.exp === undefined || hit.exp * 1000 > Date.now()) return hit.result;
        verified.delete(token);
      }
      const result = await verifyUncached(token);
      if (verified.size >= VERIFY_CACHE_MAX) verified.delete(verified.keys().next().value!);
      verified.set(token, { result, exp: result.payload.exp });
      return result;
    },
    jwks() {
      return jwks;
    },
  };

  async function verifyUncached(token: string): Promise<JWTVerifyResult> {
      const header = decodeProtectedHeader(token);
      let key: LoadedKey | undefined;
      if (header.kid) key = byKid.get(header.kid);
      if (!key && header.alg === "HS256") key = hmac;
      if (!key && !header.kid) key = keys.find((k) => k.alg === header.alg);
      if (!key || key.alg !== header.alg) throw new Error(`unrecognized JWT kid ${String(header.kid)} for algorithm ${String(header.alg)}`);
      return jwtVerify(token, key.verifyKey, { algorithms: [key.alg] });
  }
}
