import { afterEach, describe, expect, it } from "vitest";
import { encodeReply } from "../http";
import { stripUpstashOnlyFlags } from "../redis-backend";
import { ReplyError, StatusReply, type Reply } from "../reply";
import { installScripting } from "./lua";
import { Store, formatDouble, globMatch } from "./store";

const stores: Store[] = [];
function store(now?: () => number): Store {
  const s = new Store(now);
  installScripting(s);
  stores.push(s);
  return s;
}
afterEach(() => stores.splice(0).forEach((s) => s.close()));
const text = (r: Reply) => (Buffer.isBuffer(r) ? r.toString("latin1") : r);

describe("in-process store", () => {
  it("matches Redis glob patterns", () => {
    expect(globMatch("user:*", "user:1")).toBe(true);
    expect(globMatch("user:?", "user:12")).toBe(false);
    expect(globMatch("h[ae]llo", "hallo")).toBe(true);
    expect(globMatch("h[^e]llo", "hello")).toBe(false);
    expect(globMatch("h[a-c]llo", "hbllo")).toBe(true);
    expect(globMatch("a\\*b", "a*b")).toBe(true);
    expect(globMatch("a\\*b", "axb")).toBe(false);
    expect(globMatch("x.y(z)", "x.y(z)")).toBe(true);
  });

  it("expires keys on a clock (lazy), with TTL/PTTL semantics", () => {
    let t = 1_000_000;
    const s = store(() => t);
    expect(s.call(["SET", "k", "v", "PX", "1500"])).toEqual(new StatusReply("OK"));
    expect(s.call(["PTTL", "k"])).toBe(1500);
    expect(s.call(["TTL", "k"])).toBe(2); // rounded like Redis
    t += 1499;
    expect(text(s.call(["GET", "k"]))).toBe("v");
    t += 1;
    expect(s.call(["GET", "k"])).toBe(null);
    expect(s.call(["EXISTS", "k"])).toBe(0);
    expect(s.call(["TTL", "k"])).toBe(-2);
    s.call(["SET", "k2", "v"]);
    expect(s.call(["EXPIRE", "k2", "10", "XX"])).toBe(0); // no TTL yet
    expect(s.call(["EXPIRE", "k2", "10", "NX"])).toBe(1);
    expect(s.call(["EXPIRE", "k2", "5", "GT"])).toBe(0);
    expect(s.call(["EXPIRE", "k2", "-1"])).toBe(1); // non-positive deletes
    expect(s.call(["EXISTS", "k2"])).toBe(0);
  });

  it("is binary-safe and keeps values as bytes", () => {
    const s = store();
    const bytes = Buffer.from([0, 255, 128, 10]).toString("latin1");
    s.call(["SET", "b", bytes]);
    expect(s.call(["GET", "b"])).toEqual(Buffer.from([0, 255, 128, 10]));
    expect(s.call(["STRLEN", "b"])).toBe(4);
  });

  it("answers unknown commands and wrong arity with Redis's texts", () => {
    const s = store();
    expect(s.call(["FOO", "a", "b"])).toEqual(new ReplyError("ERR unknown command 'FOO', with args beginning with: 'a' 'b' "));
    expect(s.call(["GET"])).toEqual(new ReplyError("ERR wrong number of arguments for 'get' command"));
    expect(s.call(["INCRBY", "n", "9223372036854775807"])).toBe(9223372036854775807);
    expect(s.call(["INCR", "n"])).toEqual(new ReplyError("ERR increment or decrement would overflow"));
  });

  it("formats doubles like Redis", () => {
    expect(formatDouble(2)).toBe("2");
    expect(formatDouble(2.5)).toBe("2.5");
    expect(formatDouble(Infinity)).toBe("inf");
    expect(formatDouble(-Infinity)).toBe("-inf");
  });

  it("Lua: a script's runtime error names its line; globals from earlier scripts do not leak KEYS/ARGV", () => {
    const s = store();
    const err = s.call(["EVAL", "local x = 1\nlocal y = nil\nreturn y.z", "0"]);
    expect(err).toBeInstanceOf(ReplyError);
    expect((err as ReplyError).message).toMatch(/^ERR user_script:3: .* script: [0-9a-f]{40}, on @user_script:3\.$/);
    expect(s.call(["EVAL", "return #KEYS + #ARGV", "2", "a", "b", "c"])).toBe(3);
    expect(s.call(["EVAL", "return #KEYS + #ARGV", "0"])).toBe(0);
    expect(s.call(["EVAL", "return 1", "2", "a"])).toEqual(new ReplyError("ERR Number of keys can't be greater than number of args"));
    expect(s.call(["EVAL", "return (", "0"])).toBeInstanceOf(ReplyError);
  });
});

describe("REST encoding and script flags", () => {
  it("sends a top-level OK plain but base64-encodes strings inside arrays (as @upstash/redis decodes them)", () => {
    expect(encodeReply(Buffer.from("OK"), true)).toBe("OK");
    expect(encodeReply(new StatusReply("PONG"), true)).toBe(Buffer.from("PONG").toString("base64"));
    expect(encodeReply([Buffer.from("OK"), null, 3, [Buffer.from("x")]], true)).toEqual(["T0s=", null, 3, ["eA=="]]);
    expect(encodeReply([Buffer.from("é")], false)).toEqual(["é"]);
  });

  it("strips only Upstash-only shebang flags", () => {
    expect(stripUpstashOnlyFlags(Buffer.from("#!lua flags=allow-key-locking\nreturn 1"))?.toString()).toBe("#!lua\nreturn 1");
    expect(stripUpstashOnlyFlags(Buffer.from("#!lua flags=no-writes,allow-key-locking\nreturn 1"))?.toString()).toBe(
      "#!lua flags=no-writes\nreturn 1",
    );
    expect(stripUpstashOnlyFlags(Buffer.from("#!lua flags=no-writes\nreturn 1"))).toBe(null);
    expect(stripUpstashOnlyFlags(Buffer.from("return 1"))).toBe(null);
  });
});
