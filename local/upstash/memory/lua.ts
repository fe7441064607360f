/**
 * EVAL / EVALSHA / SCRIPT for the in-process store, running real Lua (fengari, a Lua 5.3 VM in JS) with a
 * `redis.call`/`redis.pcall` binding and Redis's Lua↔reply conversion rules:
 *   Redis → Lua: bulk → string, nil → false, integer → number, status → {ok=…}, error → {err=…} (raised by call), array → table
 *   Lua → Redis: number → integer (truncated), string → bulk, true → 1, false/nil → nil, {ok=…} → status,
 *                {err=…} → error, table → array up to the first nil
 * Differences from Redis's Lua 5.1 (documented in local/README.md): concatenating an integral float gives "1.0"
 * (tostring is patched to give "1"); cjson/cmsgpack/struct/bit are not loaded; globals are not write-protected.
 */
import { createHash } from "node:crypto";
import { lauxlib, lua, lualib, to_luastring, type LuaState } from "fengari";
import { ReplyError, StatusReply, type Reply } from "../reply";
import { CommandError, OK, bulk, parseInt64, type Store } from "./store";

const NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL.";
/** Redis 7's script flags plus Upstash's allow-key-locking (used by @upstash/ratelimit 2.x). */
const KNOWN_FLAGS = new Set(["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys", "allow-key-locking"]);
const FORBIDDEN_IN_SCRIPT = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "script", "multi", "exec"]);

const ls = (s: string) => to_luastring(s);
const toBytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "latin1"));
const fromBytes = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString("latin1");

function sha1hex(bytes: string): string {
  return createHash("sha1").update(Buffer.from(bytes, "latin1")).digest("hex");
}

/** Lua 5.1's "%.14g" number formatting, as Redis uses when a Lua number is passed to redis.call. */
function luaNumberArg(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const s = n.toPrecision(14);
  return String(Number(s));
}

export function installScripting(store: Store): void {
  const scripts = new Map<string, string>(); // sha → source (bytes)
  const compiled = new Map<string, number>(); // sha → registry ref
  const L: LuaState = lauxlib.luaL_newstate();
  for (const [name, open] of [
    ["_G", lualib.luaopen_base],
    ["table", lualib.luaopen_table],
    ["string", lualib.luaopen_string],
    ["math", lualib.luaopen_math],
  ] as const) {
    lauxlib.luaL_requiref(L, ls(name), open, 1);
    lua.lua_pop(L, 1);
  }
  // Lua 5.1 compatibility and sandboxing like Redis (no file access).
  lua.lua_getglobal(L, ls("table"));
  lua.lua_getfield(L, -1, ls("unpack"));
  lua.lua_setglobal(L, ls("unpack"));
  lua.lua_pop(L, 1);
  for (const g of ["dofile", "loadfile", "print"]) {
    lua.lua_pushnil(L);
    lua.lua_setglobal(L, ls(g));
  }
  // Lua 5.1 (Redis) prints integral floats without ".0": tostring(10/2) is "5" there, "5.0" in 5.3.
  const compat = `local _tostring = tostring
tostring = function(v)
  if math.type(v) == "float" and v == math.floor(v) and v > -1e15 and v < 1e15 then return string.format("%d", v) end
  return _tostring(v)
end`;
  if (lauxlib.luaL_loadbuffer(L, to_luastring(compat), null, ls("=compat")) !== lua.LUA_OK || lua.lua_pcall(L, 0, 0, 0) !== lua.LUA_OK) {
    throw new Error("local upstash: Lua compatibility prelude failed");
  }

  let lastCallLine = 1;

  function pushReply(reply: Reply): void {
    if (reply === null) lua.lua_pushboolean(L, false);
    else if (typeof reply === "number") lua.lua_pushinteger(L, reply);
    else if (Buffer.isBuffer(reply)) lua.lua_pushstring(L, new Uint8Array(reply));
    else if (reply instanceof StatusReply || reply instanceof ReplyError) {
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, toBytes(reply instanceof StatusReply ? reply.value : reply.message));
      lua.lua_setfield(L, -2, ls(reply instanceof StatusReply ? "ok" : "err"));
    } else {
      lua.lua_createtable(L, reply.length, 0);
      reply.forEach((r, i) => {
        pushReply(r);
        lua.lua_rawseti(L, -2, i + 1);
      });
    }
  }

  function toReply(idx: number, depth = 0): Reply {
    const t = lua.lua_type(L, idx);
    if (t === lua.LUA_TNUMBER) return lua.lua_isinteger(L, idx) ? lua.lua_tointeger(L, idx) : Math.trunc(lua.lua_tonumber(L, idx));
    if (t === lua.LUA_TSTRING) return Buffer.from(lua.lua_tolstring(L, idx));
    if (t === lua.LUA_TBOOLEAN) return lua.lua_toboolean(L, idx) ? 1 : null;
    if (t !== lua.LUA_TTABLE) return null;
    if (depth > 64) return new ReplyError("ERR reached lua stack limit");
    const abs = idx < 0 ? lua.lua_gettop(L) + idx + 1 : idx;
    if (lua.lua_getfield(L, abs, ls("err")) === lua.LUA_TSTRING) {
      const msg = fromBytes(lua.lua_tolstring(L, -1));
      lua.lua_pop(L, 1);
      return new ReplyError(msg);
    }
    lua.lua_pop(L, 1);
    if (lua.lua_getfield(L, abs, ls("ok")) === lua.LUA_TSTRING) {
      const msg = fromBytes(lua.lua_tolstring(L, -1));
      lua.lua_pop(L, 1);
      return new StatusReply(msg);
    }
    lua.lua_pop(L, 1);
    const out: Reply[] = [];
    for (let i = 1; ; i++) {
      if (lua.lua_rawgeti(L, abs, i) === lua.LUA_TNIL) {
        lua.lua_pop(L, 1);
        break;
      }
      out.push(toReply(-1, depth + 1));
      lua.lua_pop(L, 1);
    }
    return out;
  }

  function raise(message: string): number {
    lua.lua_createtable(L, 0, 1);
    lua.lua_pushstring(L, toBytes(message));
    lua.lua_setfield(L, -2, ls("err"));
    return lua.lua_error(L);
  }

  function redisCall(protectedCall: boolean) {
    return (state: LuaState): number => {
      const ar = new lua.lua_Debug();
      if (lua.lua_getstack(state, 1, ar)) {
        lua.lua_getinfo(state, ls("l"), ar);
        if (ar.currentline > 0) lastCallLine = ar.currentline;
      }
      const n = lua.lua_gettop(state);
      if (n === 0) return raise("ERR Please specify at least one argument for this redis lib call");
      const args: string[] = [];
      for (let i = 1; i <= n; i++) {
        const t = lua.lua_type(state, i);
        if (t === lua.LUA_TSTRING) args.push(fromBytes(lua.lua_tolstring(state, i)));
        else if (t === lua.LUA_TNUMBER) args.push(luaNumberArg(lua.lua_tonumber(state, i)));
        else return raise("ERR Lua redis lib command arguments must be strings or integers");
      }
      const name = args[0]!.toLowerCase();
      let reply: Reply;
      if (!store.has(name)) reply = new ReplyError("ERR Unknown Redis command called from script");
      else if (FORBIDDEN_IN_SCRIPT.has(name)) reply = new ReplyError("ERR This Redis command is not allowed from script");
      else {
        reply = store.call(args);
        if (reply instanceof ReplyError && reply.message.startsWith("ERR wrong number of arguments"))
          reply = new ReplyError("ERR Wrong number of args calling Redis command from script");
      }
      if (reply instanceof ReplyError && !protectedCall) return raise(reply.message);
      pushReply(reply);
      return 1;
    };
  }

  lua.lua_createtable(L, 0, 8);
  lua.lua_pushjsfunction(L, redisCall(false));
  lua.lua_setfield(L, -2, ls("call"));
  lua.lua_pushjsfunction(L, redisCall(true));
  lua.lua_setfield(L, -2, ls("pcall"));
  for (const [field, key] of [["error_reply", "err"], ["status_reply", "ok"]] as const) {
    lua.lua_pushjsfunction(L, (state) => {
      const msg = lua.lua_type(state, 1) === lua.LUA_TSTRING ? lua.lua_tolstring(state, 1) : toBytes("");
      lua.lua_createtable(state, 0, 1);
      lua.lua_pushstring(state, msg);
      lua.lua_setfield(state, -2, ls(key));
      return 1;
    });
    lua.lua_setfield(L, -2, ls(field));
  }
  lua.lua_pushjsfunction(L, (state) => {
    const s = lua.lua_type(state, 1) === lua.LUA_TSTRING ? fromBytes(lua.lua_tolstring(state, 1)) : "";
    lua.lua_pushstring(state, toBytes(sha1hex(s)));
    return 1;
  });
  lua.lua_setfield(L, -2, ls("sha1hex"));
  lua.lua_pushjsfunction(L, () => 0);
  lua.lua_setfield(L, -2, ls("log"));
  ["LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING"].forEach((name, i) => {
    lua.lua_pushinteger(L, i);
    lua.lua_setfield(L, -2, ls(name));
  });
  lua.lua_setglobal(L, ls("redis"));

  function compile(sha: string, source: string): ReplyError | null {
    if (compiled.has(sha)) return null;
    let body = source;
    if (source.startsWith("#!")) {
      // Shebang (Redis 7 / Upstash): "#!lua [flags=a,b] [name=x]". Flags do not change how this single-threaded store runs.
      const nl = source.indexOf("\n");
      const first = nl === -1 ? source : source.slice(0, nl);
      if (!/^#!lua(\s|$)/.test(first)) return new ReplyError("ERR Unexpected engine in script shebang");
      for (const opt of first.slice(5).trim().split(/\s+/).filter(Boolean)) {
        const [key, value = ""] = opt.split("=");
        if (key === "flags") {
          const bad = value.split(",").filter(Boolean).find((f) => !KNOWN_FLAGS.has(f));
          if (bad) return new ReplyError(`ERR Unexpected flag in script shebang: ${bad}`);
        } else if (key !== "name") return new ReplyError(`ERR Unknown lua shebang option: ${key}`);
      }
      body = nl === -1 ? "" : source.slice(nl); // keep the newline so line numbers stay right
    }
    const status = lauxlib.luaL_loadbuffer(L, toBytes(body), null, ls("@user_script"));
    if (status !== lua.LUA_OK) {
      const msg = fromBytes(lua.lua_tolstring(L, -1));
      lua.lua_pop(L, 1);
      return new ReplyError(`ERR Error compiling script (new function): ${msg}`);
    }
    compiled.set(sha, lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX));
    return null;
  }

  function setArray(name: string, values: string[]): void {
    lua.lua_createtable(L, values.length, 0);
    values.forEach((v, i) => {
      lua.lua_pushstring(L, toBytes(v));
      lua.lua_rawseti(L, -2, i + 1);
    });
    lua.lua_setglobal(L, ls(name));
  }

  function run(sha: string, rest: string[]): Reply {
    const [numkeysArg, ...params] = rest as [string, ...string[]];
    const numkeys = Number(parseInt64(numkeysArg, "ERR value is not an integer or out of range"));
    if (numkeys < 0) throw new CommandError("ERR Number of keys can't be negative");
    if (numkeys > params.length) throw new CommandError("ERR Number of keys can't be greater than number of args");
    setArray("KEYS", params.slice(0, numkeys));
    setArray("ARGV", params.slice(numkeys));
    const base = lua.lua_gettop(L);
    lastCallLine = 1;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, compiled.get(sha)!);
    const status = lua.lua_pcall(L, 0, 1, 0);
    try {
      if (status !== lua.LUA_OK) {
        const err = toReply(-1);
        if (err instanceof ReplyError) return new ReplyError(`${err.message} script: ${sha}, on @user_script:${lastCallLine}.`);
        const text = Buffer.isBuffer(err) ? err.toString("latin1") : "unknown error";
        const line = /user_script:(\d+):/.exec(text)?.[1] ?? String(lastCallLine);
        return new ReplyError(`ERR ${text} script: ${sha}, on @user_script:${line}.`);
      }
      return toReply(-1);
    } finally {
      lua.lua_settop(L, base);
    }
  }

  const evalImpl = ([source, ...rest]: string[]): Reply => {
    const sha = sha1hex(source!);
    const err = compile(sha, source!);
    if (err) return err;
    scripts.set(sha, source!);
    return run(sha, rest);
  };
  const evalshaImpl = ([shaArg, ...rest]: string[]): Reply => {
    const sha = shaArg!.toLowerCase();
    if (!scripts.has(sha)) return new ReplyError(NOSCRIPT);
    return run(sha, rest);
  };
  store.scripting = {
    eval: [-3, evalImpl],
    eval_ro: [-3, evalImpl],
    evalsha: [-3, evalshaImpl],
    evalsha_ro: [-3, evalshaImpl],
    script: [-2, ([sub, ...rest]) => {
      const s = sub!.toLowerCase();
      if (s === "load" && rest.length === 1) {
        const sha = sha1hex(rest[0]!);
        const err = compile(sha, rest[0]!);
        if (err) return err;
        scripts.set(sha, rest[0]!);
        return bulk(sha);
      }
      if (s === "exists" && rest.length >= 1) return rest.map((h) => (scripts.has(h.toLowerCase()) ? 1 : 0));
      if (s === "flush") {
        scripts.clear();
        for (const ref of compiled.values()) lauxlib.luaL_unref(L, lua.LUA_REGISTRYINDEX, ref);
        compiled.clear();
        return OK;
      }
      return new ReplyError(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try SCRIPT HELP.`);
    }],
  };
}
