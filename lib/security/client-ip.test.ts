import { describe, expect, it } from "vitest";
import { clientIp, ipKey, normalizeIp } from "./client-ip";

const withXff = (...values: string[]) => {
  const headers = new Headers();
  for (const value of values) headers.append("x-forwarded-for", value);
  return new Request("http://localhost/", { headers });
};

describe("clientIp", () => {
  it("takes the Nth entry from the right for N trusted hops and ignores client-written entries on the left", () => {
    const request = withXff("6.6.6.6, 203.0.113.7, 10.0.0.2");
    expect(clientIp(request, { trustedProxyHops: 1 })).toBe("10.0.0.2");
    expect(clientIp(request, { trustedProxyHops: 2 })).toBe("203.0.113.7");
    expect(clientIp(request, { trustedProxyHops: 3 })).toBe("6.6.6.6");
  });

  it("reads several header lines in order", () => {
    expect(clientIp(withXff("6.6.6.6", "203.0.113.7"), { trustedProxyHops: 1 })).toBe("203.0.113.7");
  });

  it("returns null when fewer entries than trusted hops exist (the proxy chain is not what was configured)", () => {
    expect(clientIp(withXff("203.0.113.7"), { trustedProxyHops: 2 })).toBeNull();
  });

  it("returns null without the header", () => {
    expect(clientIp(new Request("http://localhost/"), { trustedProxyHops: 1 })).toBeNull();
  });

  it("at 0 hops accepts only the single address Next's server writes from the socket", () => {
    expect(clientIp(withXff("127.0.0.1"), { trustedProxyHops: 0 })).toBe("127.0.0.1");
    expect(clientIp(withXff("::ffff:127.0.0.1"), { trustedProxyHops: 0 })).toBe("127.0.0.1");
    expect(clientIp(withXff("1.2.3.4, 127.0.0.1"), { trustedProxyHops: 0 })).toBeNull();
  });

  it.each([
    "not-an-ip",
    "1.2.3.4<script>",
    "999.1.1.1",
    "010.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "::1::2",
    "1:2:3:4:5:6:7:8:9",
    "unknown",
    "",
    " , ",
    "1.2.3.4\u0001",
    "x".repeat(5000),
  ])("rejects the hostile or malformed value %j", (value) => {
    expect(clientIp(withXff(value), { trustedProxyHops: 1 })).toBeNull();
  });

  it("rejects absurdly long chains", () => {
    const chain = Array.from({ length: 100 }, () => "1.1.1.1").join(",");
    expect(clientIp(withXff(chain), { trustedProxyHops: 1 })).toBeNull();
  });

  it("refuses a misconfigured hop count when called", () => {
    expect(() => clientIp(withXff("1.1.1.1"), { trustedProxyHops: -1 })).toThrow(TypeError);
    expect(() => clientIp(withXff("1.1.1.1"), { trustedProxyHops: 1.5 })).toThrow(TypeError);
  });
});

describe("normalizeIp", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["203.0.113.7:4431", "203.0.113.7"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["::ffff:192.0.2.1", "192.0.2.1"],
    ["::ffff:c000:201", "192.0.2.1"],
    ["::1", "::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
  ])("%s → %s", (input, expected) => {
    expect(normalizeIp(input)).toBe(expected);
  });
});

describe("ipKey", () => {
  it("groups IPv6 addresses of one /64 into one key", () => {
    const a = ipKey("2001:db8:abcd:12:1111:2222:3333:4444");
    const b = ipKey("2001:0db8:abcd:0012::9");
    expect(a).toBe("2001:db8:abcd:12::/64");
    expect(b).toBe(a);
    expect(ipKey("2001:db8:abcd:13::1")).not.toBe(a);
  });

  it("keeps IPv4 addresses distinct and unmaps IPv4-mapped IPv6", () => {
    expect(ipKey("192.0.2.1")).toBe("192.0.2.1");
    expect(ipKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipKey("192.0.2.2")).not.toBe(ipKey("192.0.2.1"));
  });

  it("puts unknown or invalid addresses in one fail-closed bucket", () => {
    expect(ipKey(null)).toBe("unknown");
    expect(ipKey("garbage")).toBe("unknown");
  });
});
