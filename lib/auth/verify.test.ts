import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRemoteJWKSet } from "jose";
import { randomUUID } from "node:crypto";
import { AuthError } from "./errors";
import { parseBearer, hasQueryToken } from "./bearer";
import { createTokenVerifier, hasDuplicateKeys, type TokenVerifier } from "./verify";
import { b64u, claims, makeKey, signRaw, signToken, startJwksServer, type JwksServer, type KeyPair } from "@/tests/helpers/tokens";

const P256_N = BigInt("0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

let server: JwksServer;
let attacker: JwksServer;
let es: KeyPair;
let rs: KeyPair;
let verify: TokenVerifier;
let issuer: string;

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "accepted";
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).code;
  }
}

beforeAll(async () => {
  es = makeKey("ES256");
  rs = makeKey("RS256");
  server = await startJwksServer([es, rs]);
  attacker = await startJwksServer([makeKey("ES256")]);
  issuer = `${server.url}/auth/v1`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { cooldownDuration: 30_000, cacheMaxAge: 600_000 });
  verify = createTokenVerifier({ issuer, algorithms: ["ES256", "RS256"], jwks });
});
afterAll(async () => {
  await server.close();
  await attacker.close();
});

describe("valid tokens", () => {
  it("accepts ES256 and RS256 tokens from the JWKS", async () => {
    const sid = randomUUID();
    const v = await verify(signToken(es, claims({ issuer, sessionId: sid, aal: "aal2" })));
    expect(v.sessionId).toBe(sid);
    expect(v.aal).toBe("aal2");
    expect((await verify(signToken(rs, claims({ issuer })))).role).toBe("authenticated");
  });
});

describe("attack classes (security-requirements.md 1–18) all refused", () => {
  it("1 changed claims with the old signature", async () => {
    const [h, , s] = signToken(es, claims({ issuer })).split(".");
    const forged = `${h}.${b64u(JSON.stringify(claims({ issuer, sub: randomUUID() })))}.${s}`;
    expect(await code(verify(forged))).toBe("signature_invalid");
  });
  it("2 empty signature", async () => {
    const [h, p] = signToken(es, claims({ issuer })).split(".");
    expect(await code(verify(`${h}.${p}.`))).toBe("malformed_token");
  });
  it("3 alg none in any spelling, or missing", async () => {
    for (const alg of ["none", "None", "NONE", "nOnE", undefined]) {
      const h = b64u(JSON.stringify(alg ? { alg, typ: "JWT" } : { typ: "JWT" }));
      const t = `${h}.${b64u(JSON.stringify(claims({ issuer })))}.${b64u("x")}`;
      expect(await code(verify(t))).toBe("alg_not_allowed");
    }
  });
  it("4 RS/ES → HS256 signed with the public key", async () => {
    for (const pub of [rs.publicKey.export({ type: "spki", format: "pem" }) as string, JSON.stringify(es.jwk)]) {
      const t = signRaw({ alg: "HS256", typ: "JWT", kid: rs.kid }, claims({ issuer }), { hs: pub });
      expect(await code(verify(t))).toBe("alg_not_allowed");
    }
    // even in legacy HS256 mode the public key is not the secret
    const legacy = createTokenVerifier({ issuer, algorithms: ["HS256"], hs256Secret: "real-secret-at-least-32-characters!!" });
    const pem = rs.publicKey.export({ type: "spki", format: "pem" }) as string;
    expect(await code(legacy(signRaw({ alg: "HS256", typ: "JWT" }, claims({ issuer }), { hs: pem })))).toBe("signature_invalid");
  });
  it("5 HS256 with a guessed or empty secret", async () => {
    for (const hs of ["", "secret", "super-secret-jwt-token-with-at-least-32-characters-long"]) {
      expect(await code(verify(signRaw({ alg: "HS256", typ: "JWT" }, claims({ issuer }), { hs })))).toBe("alg_not_allowed");
    }
  });
  it("6 embedded jwk header", async () => {
    const evil = makeKey("ES256", es.kid);
    expect(await code(verify(signToken(evil, claims({ issuer }), { jwk: evil.jwk })))).toBe("forbidden_header");
  });
  it("7 jku/x5u/x5c pointing elsewhere: refused with no outbound request", async () => {
    const before = server.fetches();
    const evil = makeKey("ES256", es.kid);
    for (const header of [
      { jku: `${attacker.url}/jwks.json` },
      { x5u: `${attacker.url}/cert.pem` },
      { x5c: ["MIIBIjANBgkq"] },
    ]) {
      expect(await code(verify(signToken(evil, claims({ issuer }), header)))).toBe("forbidden_header");
    }
    expect(attacker.fetches()).toBe(0);
    expect(server.fetches()).toBe(before);
  });
  it("8 kid path traversal / SQL / shell strings", async () => {
    for (const kid of ["../../../../dev/null", "' OR 1=1 --", "$(curl evil)", "a|b", "", "x".repeat(200), 42]) {
      expect(await code(verify(signToken(es, claims({ issuer }), { kid })))).toBe("bad_kid");
    }
  });
  it("9 flood of random kids → at most one JWKS fetch per cooldown", async () => {
    await verify(signToken(es, claims({ issuer }))); // warm cache
    const before = server.fetches();
    const evil = makeKey("ES256");
    const results = await Promise.all(
      Array.from({ length: 200 }, () => code(verify(signToken({ ...evil, kid: randomUUID() }, claims({ issuer }))))),
    );
    expect(new Set(results)).toEqual(new Set(["key_not_found"]));
    expect(server.fetches() - before).toBeLessThanOrEqual(1);
  });
  it("10 ECDSA r = s = 0", async () => {
    const [h, p] = signToken(es, claims({ issuer })).split(".");
    expect(await code(verify(`${h}.${p}.${b64u(new Uint8Array(64))}`))).toBe("signature_invalid");
  });
  it("11 re-encoded signatures: s' = n − s verifies (so revocation must key on session_id), padding is refused", async () => {
    const sid = randomUUID();
    const t = signToken(es, claims({ issuer, sessionId: sid }));
    const [h, p, s] = t.split(".");
    const sig = Buffer.from(s!, "base64url");
    const sVal = BigInt(`0x${sig.subarray(32).toString("hex")}`);
    const flipped = Buffer.concat([sig.subarray(0, 32), Buffer.from((P256_N - sVal).toString(16).padStart(64, "0"), "hex")]);
    const malleated = `${h}.${p}.${b64u(flipped)}`;
    expect(malleated).not.toBe(t);
    // Same claims, different token string: a token-hash denylist would miss this one.
    expect((await verify(malleated)).sessionId).toBe(sid);
    expect(await code(verify(`${t}=`))).toBe("malformed_token");
    expect(await code(verify(`${h}=.${p}.${s}`))).toBe("malformed_token");
  });
  it("12 expired, exp missing, exp as string, iat in the future, very old iat", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[Record<string, unknown>, string]> = [
      [claims({ issuer, now: now - 7200 }), "expired"],
      [{ ...claims({ issuer }), exp: undefined }, "bad_claims"],
      [{ ...claims({ issuer }), exp: String(now + 3600) }, "bad_claims"],
      [claims({ issuer, now: now + 600 }), "too_old"],
      [{ ...claims({ issuer, now: now - 86_400 }), exp: now + 3600 }, "too_old"],
      [{ ...claims({ issuer }), exp: now + 86_400 }, "bad_claims"],
    ];
    for (const [payload, expected] of cases) expect(await code(verify(signToken(es, payload)))).toBe(expected);
  });
  it("13 wrong iss, aud anon or missing, anon/service keys as bearer", async () => {
    expect(await code(verify(signToken(es, claims({ issuer: "https://evil.example/auth/v1" }))))).toBe("wrong_issuer");
    expect(await code(verify(signToken(es, { ...claims({ issuer }), aud: "anon" })))).toBe("wrong_audience");
    expect(await code(verify(signToken(es, { ...claims({ issuer }), aud: undefined })))).toBe("wrong_audience");
    expect(await code(verify(signToken(es, { ...claims({ issuer }), role: "service_role" })))).toBe("wrong_role");
    expect(await code(verify(signToken(es, { ...claims({ issuer }), role: "anon" })))).toBe("wrong_role");
    const legacyAnon = signRaw({ alg: "HS256", typ: "JWT" }, { iss: "supabase-demo", role: "anon", exp: 1983812996 }, { hs: "x" });
    expect(await code(verify(legacyAnon))).toBe("alg_not_allowed");
    for (const key of ["sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH", "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz"]) {
      expect(await code(verify(key))).toBe("malformed_token");
    }
  });
  it("14 JWE, JSON serialisation, refresh token, 2 or 4 segments", async () => {
    const t = signToken(es, claims({ issuer }));
    const [h, p, s] = t.split(".");
    for (const bad of [`${h}.${p}.${s}.${s}.${s}`, `${h}.${p}`, `${h}.${p}.${s}.${s}`, "v1.MjQ5NzQ3NDkz", "bzzdf2qa5uji",
      JSON.stringify({ protected: h, payload: p, signature: s })]) {
      expect(await code(verify(bad))).toBe("malformed_token");
    }
  });
  it("15 unknown crit, b64:false", async () => {
    expect(await code(verify(signToken(es, claims({ issuer }), { crit: ["exp-ext"], "exp-ext": 1 })))).toBe("forbidden_header");
    expect(await code(verify(signToken(es, claims({ issuer }), { b64: false, crit: ["b64"] })))).toBe("forbidden_header");
  });
  it("16 duplicate keys in header or payload", async () => {
    const c = claims({ issuer });
    const payload = JSON.stringify(c).replace(/}$/, `,"role":"service_role"}`);
    const header = `{"alg":"ES256","typ":"JWT","kid":"${es.kid}","alg":"HS256"}`;
    expect(await code(verify(signRaw({ alg: "ES256", typ: "JWT", kid: es.kid }, payload, es)))).toBe("duplicate_json_key");
    expect(await code(verify(signRaw(header, c, es)))).toBe("duplicate_json_key");
    expect(hasDuplicateKeys('{"a":{"b":1,"c":[{"b":2}]},"b":"\\"a\\""}')).toBe(false);
    expect(hasDuplicateKeys('{"a":1,"\\u0061":2}')).toBe(true);
  });
  it("17 100 KB token, two Authorization headers, odd scheme spacing — refused by the parser (no crypto)", () => {
    const t = signToken(es, claims({ issuer }));
    const parse = (v: string | string[]) => {
      const h = new Headers();
      for (const x of [v].flat()) h.append("authorization", x);
      try {
        return parseBearer(h);
      } catch (err) {
        return (err as AuthError).code;
      }
    };
    expect(parse(`Bearer ${t}`)).toBe(t);
    expect(parse(`bEaReR ${t}`)).toBe(t);
    expect(parse(`Bearer ${"a".repeat(100_000)}`)).toBe("token_too_long");
    expect(parse([`Bearer ${t}`, `Bearer ${t}`])).toBe("malformed_header");
    // (leading/trailing whitespace is stripped by the Fetch Headers class itself, before we see the value)
    for (const v of [`Bearer  ${t}`, `Bearer\t${t}`, `Bearer${t}`, `Basic ${t}`, "Bearer", "Bearer ", `Bearer ${t},x`]) {
      expect(parse(v)).toBe("malformed_header");
    }
    expect(parse([])).toBe("missing_token");
  });
  it("18 invalid UTF-8, homoglyph alg, token in the query string", async () => {
    const bad = Buffer.concat([Buffer.from('{"sub":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const t = `${b64u(JSON.stringify({ alg: "ES256", kid: es.kid }))}.${b64u(bad)}.${b64u("sig")}`;
    expect(await code(verify(t))).toBe("invalid_utf8");
    expect(await code(verify(signRaw({ alg: "\u0415S256", typ: "JWT", kid: es.kid }, claims({ issuer }), es)))).toBe("alg_not_allowed");
    expect(hasQueryToken("https://app.example/api/my/account?access_token=abc")).toBe(true);
    expect(hasQueryToken("https://app.example/api/my/account?x=1")).toBe(false);
  });
});

describe("configuration", () => {
  it("rejects misconfiguration once, at build time", () => {
    expect(() => createTokenVerifier({ issuer, algorithms: ["HS256"] })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer, algorithms: ["none"] })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer, algorithms: ["ES256"] })).toThrow(TypeError);
    expect(() => createTokenVerifier({ issuer, algorithms: [] })).toThrow(TypeError);
  });
  it("legacy HS256 mode accepts the configured secret only", async () => {
    const secret = "real-secret-at-least-32-characters!!";
    const legacy = createTokenVerifier({ issuer, algorithms: ["HS256"], hs256Secret: secret });
    expect((await legacy(signRaw({ alg: "HS256", typ: "JWT" }, claims({ issuer }), { hs: secret }))).role).toBe("authenticated");
    expect(await code(legacy(signToken(es, claims({ issuer }))))).toBe("alg_not_allowed");
  });
});
