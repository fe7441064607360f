/**
 * `npm run dev`: validates configuration, starts the local stack unless hosted services are configured, seeds the
 * demo accounts, and runs `next dev` on :3000 (+ LOCAL_PORT_OFFSET). Ctrl-C stops Next and the stack.
 */
import { runApp } from "@/scripts/lib/app-runner";

await runApp({ mode: "dev" });
