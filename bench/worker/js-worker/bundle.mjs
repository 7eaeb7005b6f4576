// Bundles the JS Worker (index.mjs and @upstash/redis from node_modules) into one module for
// workerd, the same way for every bench that runs it.
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { repoRoot } from "../../../scripts/lib/stack.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Where the bundle is written: target/bench/worker/js-worker.mjs. */
export const JS_BUNDLE = path.join(repoRoot(), "target", "bench", "worker", "js-worker.mjs");

/** Writes JS_BUNDLE with esbuild from node_modules (minified, as a user would deploy it). */
export function bundleJsWorker() {
  mkdirSync(path.dirname(JS_BUNDLE), { recursive: true });
  const esbuild = path.join(repoRoot(), "node_modules", ".bin", "esbuild");
  const args = [
    path.join(HERE, "index.mjs"),
    "--bundle", "--format=esm", "--platform=neutral", "--main-fields=module,main",
    "--conditions=workerd,worker,browser", "--minify", `--outfile=${JS_BUNDLE}`, "--log-level=warning",
  ];
  const result = spawnSync(esbuild, args, { stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`esbuild ${args.join(" ")} failed`);
  return JS_BUNDLE;
}
