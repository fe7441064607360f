// Test-only JWT forging kit (H5): real keys, real JWKS server, hand-built malformed tokens.
import { createServer, type Server } from "node:http";
import { createHmac, createSign, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";
import type { AddressInfo } from "node:net";

export const b64u = (data: string | Uint8Array | Buffer) => Buffer.from(data).toString("base64url");

export interface KeyPair {
  kid: string;
  alg: "ES256" | "RS256";
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function makeKey(alg: "ES256" | "RS256" = "ES256", kid = `k-${randomUUID().slice(0, 8)}`): KeyPair {
  const { privateKey, publicKey } =
    alg === "ES256" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...(publicKey.export({ format: "jwk" }) as Record<string, unknown>), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicKey, jwk };
}

/** Signs header.payload exactly as given (raw JSON strings allowed so tests can forge duplicate keys etc). */
export function signRaw(header: object | string, payload: object | string, key: KeyPair | { hs: string | Buffer }): string {
  const h = b64u(typeof header === "string" ? header : JSON.stringify(header));
  const p = b64u(typeof payload === "string" ? payload : JSON.stringify(payload));
  const input = `${h}.${p}`;
  let sig: Buffer;
  if ("hs" in key) sig = createHmac("sha256", key.hs).update(input).digest();
  else if (key.alg === "ES256") sig = createSign("sha256").update(input).sign({ key: key.privateKey, dsaEncoding: "ieee-p1363" });
  else sig = createSign("sha256").update(input).sign(key.privateKey);
  return `${input}.${b64u(sig)}`;
}

export interface ClaimsOptions {
  issuer: string;
  sub?: string;
  sessionId?: string;
  now?: number;
  [claim: string]: unknown;
}

export function claims({ issuer, sub, sessionId, now, ...rest }: ClaimsOptions): Record<string, unknown> {
  const iat = now ?? Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    sub: sub ?? randomUUID(),
    aud: "authenticated",
    exp: iat + 3600,
    iat,
    email: "user@example.com",
    role: "authenticated",
    aal: "aal1",
    session_id: sessionId ?? randomUUID(),
    is_anonymous: false,
    ...rest,
  };
}

export function signToken(key: KeyPair, payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return signRaw({ alg: key.alg, typ: "JWT", kid: key.kid, ...header }, payload, key);
}

export interface JwksServer {
  url: string;
  fetches: () => number;
  setKeys: (keys: KeyPair[]) => void;
  close: () => Promise<void>;
}

/** A JWKS endpoint (and catch-all) that counts every request it receives. */
export async function startJwksServer(keys: KeyPair[]): Promise<JwksServer> {
  let current = keys;
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: current.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    fetches: () => count,
    setKeys: (k) => {
      current = k;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
