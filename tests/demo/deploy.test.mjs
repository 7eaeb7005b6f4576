// `npm run deploy` without a Cloudflare account: `--dry-run` builds and bundles worker/ with the
// real wrangler.toml (so the deploy configuration stays valid), and a real deploy without a login
// stops before uploading, saying how to log in. HOME is a throw-away folder so that a developer's
// own wrangler login is never used here. Nothing here needs Redis: Valkey pass only.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";

import { checkSecrets } from "../../scripts/lib/secrets.mjs";
import { repoRoot } from "../../scripts/lib/stack.mjs";

const home = mkdtempSync(path.join(os.tmpdir(), "podium-deploy-home-"));
after(() => rmSync(home, { recursive: true, force: true }));

function deploy(args) {
  const env = { ...process.env, HOME: home, CI: "1", WRANGLER_SEND_METRICS: "false" };
  delete env.CLOUDFLARE_API_TOKEN;
  delete env.CLOUDFLARE_ACCOUNT_ID;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), "scripts", "deploy.mjs"), ...args], {
      cwd: repoRoot(),
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

test("--dry-run bundles the Worker with the deploy configuration", async () => {
  const run = await deploy(["--dry-run"]);
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /--dry-run: exiting now\./);
  assert.match(run.output, /env\.PODIUM_BOARDS/);
});

test("without a login it stops before deploying and says how to log in", async () => {
  const run = await deploy([]);
  assert.equal(run.code, 1, run.output);
  assert.match(run.output, /podium: wrangler is not logged in to Cloudflare/);
  assert.match(run.output, /npx wrangler login/);
  assert.doesNotMatch(run.output, /Uploaded|Deployed/);
});

test("the secret check stops for a missing required secret and only notes a missing admin key", () => {
  const all = new Set(["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "PODIUM_SERVER_KEY", "PODIUM_ADMIN_KEY"]);
  assert.deepEqual(checkSecrets(all, { urlInVars: false }), { missing: [], notes: [] });

  const withoutAdmin = new Set([...all].filter((name) => name !== "PODIUM_ADMIN_KEY"));
  const check = checkSecrets(withoutAdmin, { urlInVars: false });
  assert.deepEqual(check.missing, [], "existing deployments without an admin key still deploy");
  assert.equal(check.notes.length, 1);
  assert.match(check.notes[0], /no PODIUM_ADMIN_KEY, so the server key .* can also remove players/);
  assert.match(check.notes[0], /npx wrangler secret put PODIUM_ADMIN_KEY/);

  const bare = checkSecrets(new Set(["PODIUM_ADMIN_KEY"]), { urlInVars: false });
  assert.deepEqual(bare.missing, ["UPSTASH_REDIS_REST_TOKEN", "PODIUM_SERVER_KEY", "UPSTASH_REDIS_REST_URL"]);
  assert.deepEqual(checkSecrets(new Set(["PODIUM_ADMIN_KEY"]), { urlInVars: true }).missing, ["UPSTASH_REDIS_REST_TOKEN", "PODIUM_SERVER_KEY"]);
});
