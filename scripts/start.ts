/**
 * `npm start` (after `npm run build`): like `npm run dev` but runs the production server (`next start`).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { fail, ROOT, runApp } from "@/scripts/lib/app-runner";

if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) fail("No production build found: run `npm run build` first.");
await runApp({ mode: "start" });
