import { generate } from "otplib";
import { describe, expect, it } from "vitest";
import { generateTotpSecret, qrSvg, totpUri, verifyTotp } from "./totp";

describe("TOTP", () => {
  it("generates a 160-bit base32 secret, different every time", () => {
    const a = generateTotpSecret();
    const b = generateTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(a).not.toBe(b);
  });

  it("builds GoTrue's otpauth URI with the label and parameters encoded", () => {
    const uri = totpUri({ issuer: "localhost:3000", account: "a+b@example.com", secret: "JBSWY3DPEHPK3PXP" });
    expect(uri).toBe(
      "otpauth://totp/localhost%3A3000:a%2Bb%40example.com?algorithm=SHA1&digits=6&issuer=localhost%3A3000&period=30&secret=JBSWY3DPEHPK3PXP",
    );
  });

  it("renders the QR code as raw SVG markup", async () => {
    const svg = await qrSvg("otpauth://totp/x:y?secret=JBSWY3DPEHPK3PXP");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("</svg>");
  });

  it("accepts the current code and one step of skew, rejects older ones and garbage", async () => {
    const secret = generateTotpSecret();
    const now = 1_800_000_000;
    const at = (t: number) => generate({ secret, epoch: t });
    const cur = await verifyTotp(secret, await at(now), { epoch: now });
    expect(cur.valid).toBe(true);
    expect((await verifyTotp(secret, await at(now - 30), { epoch: now })).valid).toBe(true);
    expect((await verifyTotp(secret, await at(now + 30), { epoch: now })).valid).toBe(true);
    expect((await verifyTotp(secret, await at(now - 90), { epoch: now })).valid).toBe(false);
    expect((await verifyTotp(secret, ` ${await at(now)} `, { epoch: now })).valid).toBe(true);
    expect((await verifyTotp(secret, "12345", { epoch: now })).valid).toBe(false);
    expect((await verifyTotp(secret, "abcdef", { epoch: now })).valid).toBe(false);
    expect((await verifyTotp(secret, 123456 as unknown as string, { epoch: now })).valid).toBe(false);
  });

  it("rejects a code whose time step was already used (replay)", async () => {
    const secret = generateTotpSecret();
    const now = 1_800_000_000;
    const code = await generate({ secret, epoch: now });
    const first = await verifyTotp(secret, code, { epoch: now });
    if (!first.valid) throw new Error("expected valid");
    expect((await verifyTotp(secret, code, { epoch: now, afterTimeStep: first.timeStep })).valid).toBe(false);
    const next = await generate({ secret, epoch: now + 30 });
    expect((await verifyTotp(secret, next, { epoch: now + 30, afterTimeStep: first.timeStep })).valid).toBe(true);
  });
});
