// `npm run seed -- --board global --players 100000`: builds podium-seed (release) and runs it
// against the local `npm start` stack, whose gateway it finds the way start.mjs does
// (PODIUM_GATEWAY_PORT, PODIUM_GATEWAY_TOKEN, else the development defaults).
//
// With --url (or --gateway) it seeds that endpoint instead, with the token from --token or
// UPSTASH_REDIS_REST_TOKEN: an Upstash database too. Without it, UPSTASH_REDIS_REST_* inherited
// from the shell are ignored, so a plain `npm run seed` never writes to a remote database.
// PODIUM_SEED_BIN runs that binary instead of building one. `--help` lists every option.

import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./lib/stack.mjs";

const DEV_TOKEN = "podium-dev-token";
const DEFAULT_GATEWAY_PORT = 8079;

function seedBinary() {
  if (process.env.PODIUM_SEED_BIN) return process.env.PODIUM_SEED_BIN;
  console.error("podium: building podium-seed (cargo build --release)…");
  const built = spawnSync("cargo", ["build", "--release", "--quiet", "-p", "podium-seed"], {
    cwd: repoRoot(),
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (built.error || built.status !== 0) {
    console.error(`podium: cargo build -p podium-seed failed (${built.error?.message ?? `exit ${built.status}`})`);
    process.exit(1);
  }
  const targetDir = process.env.CARGO_TARGET_DIR
    ? path.resolve(repoRoot(), process.env.CARGO_TARGET_DIR)
    : path.join(repoRoot(), "target");
  return path.join(targetDir, "release", "podium-seed");
}

const args = process.argv.slice(2);
const bin = seedBinary();
if (!existsSync(bin)) {
  console.error(`podium: ${bin} not found`);
  process.exit(1);
}
const env = { ...process.env };
const explicitEndpoint = args.some((arg) => /^--(url|gateway)(=|$)/.test(arg));
if (!explicitEndpoint) {
  env.UPSTASH_REDIS_REST_URL = `http://127.0.0.1:${process.env.PODIUM_GATEWAY_PORT || DEFAULT_GATEWAY_PORT}`;
  env.UPSTASH_REDIS_REST_TOKEN = process.env.PODIUM_GATEWAY_TOKEN || DEV_TOKEN;
}
const child = spawn(bin, args, { stdio: "inherit", env });
// A signal to this wrapper stops the seeder too (Ctrl-C in a terminal reaches both anyway).
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.once("error", (err) => {
  console.error(`podium: cannot run ${bin}: ${err.message}`);
  process.exit(1);
});
child.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
