/** Backend (c): the in-process store behind the REST endpoint (single instance; data lost on stop). */
import { ReplyError, refusal, type Backend, type CommandArgs, type Reply } from "../reply";
import { installScripting } from "./lua";
import { Store } from "./store";

const toByteStrings = (cmd: CommandArgs): string[] => cmd.map((b) => b.toString("latin1"));

export function createMemoryBackend(): Backend {
  const store = new Store();
  installScripting(store);
  const exec = (cmd: CommandArgs): Reply => {
    if (!cmd[0]) return new ReplyError("ERR empty command");
    return refusal(cmd[0].toString()) ?? store.call(toByteStrings(cmd));
  };
  return {
    kind: "memory",
    description: "in-process store (single instance, not persisted)",
    exec: async (cmd) => exec(cmd),
    pipeline: async (cmds) => cmds.map(exec),
    async multi(cmds) {
      // Like MULTI/EXEC: unknown commands or wrong arity discard the whole transaction; everything else runs
      // back to back (nothing interleaves in this single-threaded store), runtime errors stay per command.
      for (const c of cmds) {
        const invalid = c[0] ? (refusal(c[0].toString()) ?? store.check(toByteStrings(c))) : new ReplyError("ERR empty command");
        if (invalid) return new ReplyError("EXECABORT Transaction discarded because of previous errors.");
      }
      return cmds.map(exec);
    },
    close: async () => store.close(),
  };
}
