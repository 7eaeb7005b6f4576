// `npm run deploy`: `wrangler deploy` of worker/ (wrangler.toml's [build] rebuilds the Worker when
// its sources changed), after checking that the Worker's secrets are set, so a first deploy does
// not go live answering 500 "UPSTASH_REDIS_REST_TOKEN is not set". A missing PODIUM_ADMIN_KEY does
// not stop it (the server key then keeps moderating, as before there was an admin key); it is
// named with the command that sets it. Which secrets: scripts/lib/secrets.mjs.
//
//   npm run deploy                      check the secrets, then deploy
//   npm run deploy -- --dry-run         build and bundle only: no account, no upload, no check
//   npm run deploy -- --env staging     any other arguments go to `wrangler deploy` (and --env to
//                                       the secret check too)
//
// Authentication is wrangler's own: `npx wrangler login`, or CLOUDFLARE_API_TOKEN (and
// CLOUDFLARE_ACCOUNT_ID) in CI. See docs/deploy-cloudflare-upstash.md.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { checkSecrets, putCommand, RECOMMENDED_SECRETS, REQUIRED_SECRETS, URL_VAR } from "./lib/secrets.mjs";
import { repoRoot, wranglerPath } from "./lib/stack.mjs";

const workerDir = path.join(repoRoot(), "worker");
const wrangler = wranglerPath();
const args = process.argv.slice(2);

function fail(message) {
  console.error(`podium: ${message}`);
  process.exit(1);
}

/** `--env NAME` / `--env=NAME` / `-e NAME` from the arguments, for the secret check. */
function envArgs() {
  for (const [i, arg] of args.entries()) {
    if ((arg === "--env" || arg === "-e") && args[i + 1]) return ["--env", args[i + 1]];
    if (arg.startsWith("--env=")) return ["--env", arg.slice("--env=".length)];
  }
  return [];
}

/** Names of the secrets the deployed Worker has, or a failure explaining how to log in. */
function deployedSecrets() {
  const listed = spawnSync(wrangler, ["secret", "list", "--format", "json", ...envArgs()], {
    cwd: workerDir,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  if (listed.error) fail(`cannot run ${wrangler}: ${listed.error.message} (npm ci)`);
  if (listed.status === 0) {
    try {
      return new Set(JSON.parse(listed.stdout).map((secret) => secret.name));
    } catch {
      fail(`unexpected output from wrangler secret list:\n${listed.stdout}`);
    }
  }
  const output = `${listed.stdout}\n${listed.stderr}`;
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "").trim();
  if (/CLOUDFLARE_API_TOKEN|not authenticated|wrangler login/i.test(plain)) {
    fail(
      "wrangler is not logged in to Cloudflare, so the Worker's secrets cannot be checked.\n" +
        "  Log in with `npx wrangler login`, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID) in CI.\n" +
        "  To build without deploying: npm run deploy -- --dry-run",
    );
  }
  if (/not found|10007/i.test(plain)) {
    fail(
      "the Worker does not exist on Cloudflare yet. Set its secrets first (the first `secret put` " +
        "creates it), then deploy:\n" +
        [...REQUIRED_SECRETS, URL_VAR, ...RECOMMENDED_SECRETS].map(putCommand).join("\n") +
        "\n(PODIUM_ADMIN_KEY is the moderation key; it must differ from PODIUM_SERVER_KEY.)",
    );
  }
  fail(`wrangler secret list failed (exit ${listed.status}):\n${plain}`);
}

/** [vars] of wrangler.toml define UPSTASH_REDIS_REST_URL (then it need not be a secret). */
function urlInVars() {
  const toml = readFileSync(path.join(workerDir, "wrangler.toml"), "utf8");
  return new RegExp(`^\\s*${URL_VAR}\\s*=`, "m").test(toml);
}

function deploy(extra) {
  const child = spawn(wrangler, ["deploy", ...extra], {
    cwd: workerDir,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.once("error", (err) => fail(`cannot run ${wrangler}: ${err.message} (npm ci)`));
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

if (args.includes("--dry-run")) {
  // Nothing is uploaded, so there is nothing to check; the bundle goes to a throw-away folder.
  const outdir = mkdtempSync(path.join(os.tmpdir(), "podium-deploy-"));
  const code = await deploy([...args, "--outdir", outdir]);
  rmSync(outdir, { recursive: true, force: true });
  process.exit(code);
}

const { missing, notes } = checkSecrets(deployedSecrets(), { urlInVars: urlInVars() });
if (missing.length) {
  fail(
    `the Worker is missing ${missing.join(", ")}; it would answer 500 until they are set:\n` +
      missing.map(putCommand).join("\n") +
      "\nSee docs/deploy-cloudflare-upstash.md.",
  );
}
for (const note of notes) console.warn(`podium: note: ${note}`);
const origins = /^PODIUM_CORS_ORIGINS\s*=\s*"([^"]*)"/m.exec(readFileSync(path.join(workerDir, "wrangler.toml"), "utf8"));
if (origins && origins[1].split(",").every((origin) => /^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/.test(origin.trim()))) {
  console.warn(
    "podium: note: PODIUM_CORS_ORIGINS in worker/wrangler.toml lists only local origins; widgets on " +
      "your site cannot read the boards until you add its origin (see docs/embedding.md).",
  );
}
process.exit(await deploy(args));
