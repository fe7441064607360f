import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SignJWT, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from "jose";
import { createKeyStore } from "./keys";
import { parseDuration, loadConfig } from "./config";

const dirs: string[] = [];
async function tmp() {
  const d = await mkdtemp(path.join(tmpdir(), "local-auth-keys-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("local/auth keys", () => {
  it("generates one ES256 key on first start, keeps it, publishes only its public part", async () => {
    const dir = await tmp();
    const a = await createKeyStore({ jwtKeys: null, jwtSecret: null, dataDir: dir });
    const b = await createKeyStore({ jwtKeys: null, jwtSecret: null, dataDir: dir });
    expect(a.alg).toBe("ES256");
    expect(b.kid).toBe(a.kid);
    const saved = JSON.parse(await readFile(path.join(dir, "jwt-keys.json"), "utf8"));
    expect(saved.keys[0].d).toBeTruthy();
    const [pub] = a.jwks().keys;
    expect(pub).toMatchObject({ kty: "EC", crv: "P-256", kid: a.kid, alg: "ES256", use: "sig", key_ops: ["verify"] });
    expect(pub).not.toHaveProperty("d");
    const token = await a.sign({ sub: "x", exp: Math.floor(Date.now() / 1000) + 60 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "ES256", typ: "JWT", kid: a.kid });
    expect((await b.verify(token)).payload.sub).toBe("x");
  });

  it("rejects tampered, expired and foreign tokens", async () => {
    const ks = await createKeyStore({ jwtKeys: null, jwtSecret: null, dataDir: await tmp() });
    const good = await ks.sign({ sub: "a", exp: Math.floor(Date.now() / 1000) + 60 });
    const [h, p, sig] = good.split(".");
    const evil = Buffer.from(JSON.stringify({ sub: "b", exp: Math.floor(Date.now() / 1000) + 60 })).toString("base64url");
    await expect(ks.verify(`${h}.${evil}.${sig}`)).rejects.toThrow();
    void p;
    await expect(ks.verify(await ks.sign({ sub: "a", exp: Math.floor(Date.now() / 1000) - 10 }))).rejects.toThrow();
    const other = await createKeyStore({ jwtKeys: null, jwtSecret: null, dataDir: await tmp() });
    await expect(ks.verify(await other.sign({ sub: "a" }))).rejects.toThrow(/unrecognized JWT kid/);
    // alg confusion: an HS256 token signed with the public key material is not accepted
    const pubJwk = ks.jwks().keys[0]!;
    const hs = await new SignJWT({ sub: "a" }).setProtectedHeader({ alg: "HS256", kid: pubJwk.kid }).sign(new TextEncoder().encode(JSON.stringify(pubJwk)));
    await expect(ks.verify(hs)).rejects.toThrow();
  });

  it("GOTRUE_JWT_KEYS: the key with key_ops sign signs (RS256), every asymmetric key verifies and is published", async () => {
    const rsa = await generateKeyPair("RS256", { extractable: true });
    const ec = await generateKeyPair("ES256", { extractable: true });
    const rsaJwk = { ...(await exportJWK(rsa.privateKey)), kid: "rsa-1", alg: "RS256", key_ops: ["sign", "verify"] };
    const ecJwk = { ...(await exportJWK(ec.privateKey)), kid: "ec-old", alg: "ES256", key_ops: ["verify"] };
    const ks = await createKeyStore({ jwtKeys: JSON.stringify([ecJwk, rsaJwk]), jwtSecret: null, dataDir: await tmp() });
    expect(ks.alg).toBe("RS256");
    const token = await ks.sign({ sub: "r" });
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: "RS256", kid: "rsa-1" });
    expect(ks.jwks().keys.map((k) => k.kid).sort()).toEqual(["ec-old", "rsa-1"]);
    expect(ks.jwks().keys.every((k) => !("d" in k) && !("p" in k))).toBe(true);
    const old = await new SignJWT({ sub: "o" }).setProtectedHeader({ alg: "ES256", kid: "ec-old" }).sign(await importJWK({ ...ecJwk, key_ops: undefined }, "ES256"));
    expect((await ks.verify(old)).payload.sub).toBe("o");
    await expect(createKeyStore({ jwtKeys: JSON.stringify([ecJwk]), jwtSecret: null, dataDir: await tmp() })).rejects.toThrow(/sign/);
    await expect(createKeyStore({ jwtKeys: "not json", jwtSecret: null, dataDir: await tmp() })).rejects.toThrow(/JSON/);
  });

  it("GOTRUE_JWT_SECRET alone is legacy HS256 mode: no kid, empty JWKS", async () => {
    const ks = await createKeyStore({ jwtKeys: null, jwtSecret: "super-secret-jwt-token-with-at-least-32-characters-long", dataDir: await tmp() });
    expect(ks.alg).toBe("HS256");
    expect(ks.jwks().keys).toEqual([]);
    const token = await ks.sign({ sub: "h" });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    expect((await ks.verify(token)).payload.sub).toBe("h");
  });
});

describe("local/auth config", () => {
  it("parses Go durations and the Supabase CLI defaults", () => {
    expect(parseDuration("24h")).toBe(86400);
    expect(parseDuration("1h30m")).toBe(5400);
    expect(parseDuration("90")).toBe(90);
    expect(() => parseDuration("forever")).toThrow();
    const c = loadConfig({});
    expect(c).toMatchObject({ jwtExp: 3600, mailerAutoconfirm: true, passwordMinLength: 6, refreshTokenReuseInterval: 10, refreshTokenRotationEnabled: true });
    expect(c.rateLimit).toMatchObject({ tokenRefresh: 150, verify: 30, otp: 30, emailSent: 30, mfaChallengeAndVerify: 15 });
    expect(loadConfig({ GOTRUE_MAILER_AUTOCONFIRM: "false", GOTRUE_PASSWORD_MIN_LENGTH: "12" })).toMatchObject({ mailerAutoconfirm: false, passwordMinLength: 12 });
    expect(() => loadConfig({ GOTRUE_JWT_EXP: "soon" })).toThrow(/GOTRUE_JWT_EXP/);
  });
});
