// The demo as a new user gets it: the real `node scripts/start.mjs` (what `npm start` runs after
// bootstrap) on free ports, its demo page in headless Chromium. Plays both games once, expects
// the player's own score and rank on the boards, switches the simulated players on and expects
// the board to move, saves a screenshot, then sends SIGINT and expects every process it started
// to be gone and its temporary folders removed. Also: a taken port names the variable to set.
//
// start.mjs always runs Valkey, so this suite runs in the Valkey pass of scripts/test.sh only.
// It uses the debug gateway scripts/test.sh builds (PODIUM_GATEWAY_BIN) instead of building a
// release one, and the Worker and widget test.sh has just built (start.mjs rebuilds them only
// when stale). PODIUM_UPDATE_SCREENSHOT=1 also writes docs/demo.png, the README's picture; it is
// not written on every run so that `npm test` leaves the checkout clean.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";

import { chromium } from "playwright-core";

import { descendants, freePort, gatewayBinaryPath, repoRoot } from "../../scripts/lib/stack.mjs";

const CHROMIUM = process.env.PODIUM_CHROMIUM ?? "/usr/bin/chromium";
const OUTPUT = path.join(repoRoot(), "tests", "output");
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 30_000;
const CLICKS = 12;
// A name that would run script if anything rendered it as HTML.
const HOSTILE_NAME = "<img src=x onerror=alert(1)>";
const NAME = "Sam (you)";

const cleanups = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

async function freePorts(count) {
  const ports = new Set();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Starts `node scripts/start.mjs` with `env`; collects its output. */
function startScript(env) {
  const child = spawn(process.execPath, [path.join(repoRoot(), "scripts", "start.mjs")], {
    cwd: repoRoot(),
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = { child, output: "", exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))) };
  child.stdout.on("data", (chunk) => (run.output += chunk));
  child.stderr.on("data", (chunk) => (run.output += chunk));
  return run;
}

async function waitFor(run, pattern, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = pattern.exec(run.output);
    if (m) return m;
    if (run.child.exitCode !== null || run.child.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`start.mjs did not print ${pattern} (exit ${run.child.exitCode}); output:\n${run.output}`);
}

test("a taken port is named by the variable that moves it", async () => {
  for (const name of ["PODIUM_WORKER_PORT", "PODIUM_GATEWAY_PORT", "PODIUM_DEMO_PORT"]) {
    const [worker, gateway, demo] = await freePorts(3);
    const env = { PODIUM_WORKER_PORT: worker, PODIUM_GATEWAY_PORT: gateway, PODIUM_DEMO_PORT: demo };
    const taken = net.createServer();
    await new Promise((resolve) => taken.listen(env[name], "127.0.0.1", resolve));
    try {
      const run = startScript(Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])));
      const { code } = await run.exited;
      assert.equal(code, 1, run.output);
      assert.match(run.output, new RegExp(`port ${env[name]} .* is already in use; set ${name} to a free port`));
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }
});

/** The widget's rows for board `testid`: [{player, name, rank, score, viewer}]. */
function widgetRows(page, testid) {
  return page.evaluate((testid) => {
    const root = document.querySelector(`[data-testid="${testid}"]`)?.shadowRoot;
    if (!root) return [];
    return [...root.querySelectorAll("tr[data-player]")].map((tr) => ({
      player: tr.dataset.player,
      name: tr.querySelector(".name").textContent,
      nameHtml: tr.querySelector(".name").innerHTML,
      rank: Number(tr.querySelector(".rank").textContent.replace(/\D/g, "")),
      score: Number(tr.querySelector(".score").textContent.replace(/\D/g, "")),
      viewer: tr.classList.contains("viewer"),
    }));
  }, testid);
}

/** Plays one reaction round: start, wait for green, press. Resolves with the measured ms. */
async function playReaction(page) {
  const pad = page.locator('[data-testid="reaction-pad"]');
  await pad.click();
  await page.waitForFunction(() => document.querySelector('[data-testid="reaction-pad"]').dataset.state === "go", null, {
    timeout: 10_000,
    polling: "raf",
  });
  await pad.click();
  const result = page.locator('[data-testid="reaction-result"][data-rank]');
  await result.waitFor({ timeout: 10_000 });
  return Number(await result.getAttribute("data-score"));
}

/** Waits until the widget `testid` shows the viewer's row with this rank and score. */
async function waitForViewer(page, testid, player, rank, score) {
  await page.waitForFunction(
    ([testid, player, rank, score]) => {
      const root = document.querySelector(`[data-testid="${testid}"]`)?.shadowRoot;
      const row = root?.querySelector(`tr.viewer[data-player="${player}"]`);
      return (
        row &&
        Number(row.querySelector(".rank").textContent.replace(/\D/g, "")) === rank &&
        Number(row.querySelector(".score").textContent.replace(/\D/g, "")) === score
      );
    },
    [testid, player, rank, score],
    { timeout: 10_000, polling: 100 },
  );
}

test("npm start: play the demo, see your rank, watch the bots move the board, stop cleanly", async () => {
  const startedAt = Date.now();
  const gatewayBin = process.env.PODIUM_GATEWAY_BIN ?? gatewayBinaryPath();
  assert.ok(existsSync(gatewayBin), `${gatewayBin} missing: cargo build -p podium-gateway`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), "podium-e2e-"));
  cleanups.push(() => rmSync(tmp, { recursive: true, force: true }));
  const [workerPort, gatewayPort, demoPort] = await freePorts(3);
  const serverKey = `key_${randomBytes(16).toString("hex")}`;
  const run = startScript({
    PODIUM_WORKER_PORT: String(workerPort),
    PODIUM_GATEWAY_PORT: String(gatewayPort),
    PODIUM_DEMO_PORT: String(demoPort),
    PODIUM_SERVER_KEY: serverKey,
    PODIUM_GATEWAY_TOKEN: `token_${randomBytes(16).toString("hex")}`,
    PODIUM_GATEWAY_BIN: gatewayBin,
    // Everything start.mjs and its children put in the temporary directory lands here.
    TMPDIR: tmp,
  });
  let family = [];
  // When an assertion fails midway: stop start.mjs the way Ctrl-C does, then make sure by PID.
  cleanups.push(async () => {
    const known = new Set([...family, ...descendants(run.child.pid)]);
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill("SIGINT");
      const timer = setTimeout(() => run.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await run.exited;
      clearTimeout(timer);
    }
    for (const pid of [...known].filter(alive)) process.kill(pid, "SIGKILL");
  });

  const [, demoUrl] = await waitFor(run, /^Podium is ready: (\S+)$/m, READY_TIMEOUT_MS);
  assert.equal(demoUrl, `http://localhost:${demoPort}/`);
  // The lines after the ready line may come in a later read of the pipe.
  await waitFor(run, new RegExp(`^  worker   http://127\\.0\\.0\\.1:${workerPort}\\b`, "m"), 5_000);
  await waitFor(run, new RegExp(`^  gateway  http://127\\.0\\.0\\.1:${gatewayPort}\\b`, "m"), 5_000);
  const readyAfterMs = Date.now() - startedAt;
  for (const line of run.output.match(/^podium: .*: (?:done|built) in .*$/gm) ?? []) console.log(line);
  // Valkey, the gateway, wrangler and its workerd: every one must be gone after Ctrl-C.
  family = descendants(run.child.pid);
  assert.ok(family.length >= 4, `start.mjs runs at least 4 processes, found ${family.length}`);

  // The page comes with the strict CSP and no inline script; the server key never reaches it.
  const html = await fetch(demoUrl);
  const csp = html.headers.get("content-security-policy");
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.match(csp, new RegExp(`connect-src 'self' http://127\\.0\\.0\\.1:${workerPort}(;|$)`));
  assert.doesNotMatch(await html.text(), /<script(?![^>]*\bsrc=)[^>]*>/);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.push(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 860 } });
  const problems = [];
  const leaks = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  // No exceptions: a fresh visitor has no score yet, and the widget's around read of them is a 200
  // (ranked false), not a 404 that the browser would print on every poll.
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });
  const failedRequests = [];
  const aroundAnswers = [];
  page.on("requestfailed", (request) => {
    // The widget aborts its own polls when its options change (the demo sets `player` after
    // mounting): a cancellation, which the browser does not print, not a failure.
    const reason = request.failure()?.errorText;
    if (reason !== "net::ERR_ABORTED") failedRequests.push(`${request.url()}: ${reason}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) failedRequests.push(`${response.url()}: ${response.status()}`);
    if (response.url().includes("/around")) aroundAnswers.push(response.status());
  });
  page.on("dialog", (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
  page.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!/json|text|javascript/.test(type)) return;
    const body = await response.text().catch(() => "");
    if (body.includes(serverKey)) leaks.push(response.url());
  });
  await page.goto(demoUrl);
  const player = await page.textContent('[data-testid="player-id"]');
  assert.match(player, /^demo-[0-9a-f]{12}$/);
  // A fresh visitor, before playing: both boards polled around for them a few times, and not
  // one console error or failed request.
  await page.waitForFunction(() => document.querySelectorAll("podium-leaderboard").length >= 2);
  const started = Date.now();
  while (aroundAnswers.length < 4 && Date.now() - started < 20_000) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(aroundAnswers.length >= 4, `around was polled for the fresh visitor: ${aroundAnswers}`);
  assert.ok(aroundAnswers.every((status) => status === 200 || status === 304), `${aroundAnswers}`);
  assert.deepEqual(failedRequests, [], "a fresh visitor's page: no failed request");
  assert.deepEqual(problems, [], "a fresh visitor's page: no console error");
  await page.fill('[data-testid="name"]', HOSTILE_NAME);
  await page.dispatchEvent('[data-testid="name"]', "change");

  // Reaction: wait for green, press. The page measures; the Worker ranks.
  const reactionMs = await playReaction(page);
  const reaction = page.locator('[data-testid="reaction-result"]');
  assert.ok(reactionMs >= 1 && reactionMs < 5_000, `reaction ${reactionMs} ms`);
  assert.equal(Number(await reaction.getAttribute("data-rank")), 1, await reaction.textContent());
  await waitForViewer(page, "board-speedrun", player, 1, reactionMs);
  const hostile = (await widgetRows(page, "board-speedrun")).find((row) => row.viewer);
  assert.equal(hostile.name, HOSTILE_NAME, "the name is shown as text");
  assert.equal(hostile.nameHtml, "&lt;img src=x onerror=alert(1)&gt;");

  // Clicker, under another name: CLICKS clicks within the 10 s round.
  await page.fill('[data-testid="name"]', NAME);
  await page.dispatchEvent('[data-testid="name"]', "change");
  await page.click('[data-testid="clicker-start"]');
  for (let i = 0; i < CLICKS; i++) await page.click('[data-testid="clicker-target"]');
  const clicker = page.locator('[data-testid="clicker-result"][data-rank]');
  await clicker.waitFor({ timeout: 15_000 });
  assert.equal(Number(await clicker.getAttribute("data-score")), CLICKS);
  assert.equal(Number(await clicker.getAttribute("data-rank")), 1);
  await waitForViewer(page, "board-global", player, 1, CLICKS);
  assert.equal((await widgetRows(page, "board-global")).find((row) => row.viewer).name, NAME);

  // Bots on: they appear on the board and push the player down.
  await page.click('[data-testid="bots"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="bots-status"]').textContent.startsWith("On"));
  await page.waitForFunction(
    ([player, clicks]) => {
      const root = document.querySelector('[data-testid="board-global"]').shadowRoot;
      const bots = root.querySelectorAll('tbody[data-testid="top"] tr[data-player^="bot-"]').length;
      const me = root.querySelector(`tr.viewer[data-player="${player}"]`);
      const rank = me ? Number(me.querySelector(".rank").textContent.replace(/\D/g, "")) : 0;
      return bots >= 3 && rank > 1 && Number(me.querySelector(".score").textContent.replace(/\D/g, "")) === clicks;
    },
    [player, CLICKS],
    { timeout: 30_000, polling: 200 },
  );
  const moved = await widgetRows(page, "board-global");
  assert.ok(moved.filter((row) => row.player.startsWith("bot-")).every((row) => row.name.endsWith("(bot)")));

  // Another reaction round: the new name replaces the old one on that board too.
  const secondMs = await playReaction(page);
  await page.waitForFunction(
    ([player, name, best]) => {
      const root = document.querySelector('[data-testid="board-speedrun"]').shadowRoot;
      const me = root.querySelector(`tr.viewer[data-player="${player}"]`);
      return me?.querySelector(".name").textContent === name && Number(me.querySelector(".score").textContent.replace(/\D/g, "")) === best;
    },
    [player, NAME, Math.min(reactionMs, secondMs)],
    { timeout: 10_000, polling: 100 },
  );

  mkdirSync(OUTPUT, { recursive: true });
  const shot = await page.screenshot({ path: path.join(OUTPUT, "demo.png") });
  if (process.env.PODIUM_UPDATE_SCREENSHOT === "1") {
    await page.screenshot({ path: path.join(repoRoot(), "docs", "demo.png") });
  }
  assert.ok(shot.length > 10_000);
  assert.deepEqual(problems, [], "no page errors, console errors, CSP violations or dialogs");
  assert.deepEqual(failedRequests, [], "no failed request all along");
  assert.deepEqual(leaks, [], "no response to the page carries the server key");
  await browser.close();

  // Ctrl-C: everything stops, nothing stays behind.
  const stoppingAt = Date.now();
  run.child.kill("SIGINT");
  const timer = setTimeout(() => run.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  const how = await run.exited;
  clearTimeout(timer);
  assert.deepEqual(how, { code: 0, signal: null }, run.output.split("\n").slice(-20).join("\n"));
  const stopMs = Date.now() - stoppingAt;
  assert.deepEqual(family.filter(alive), [], "every process start.mjs started is gone");
  assert.deepEqual(readdirSync(tmp), [], "no temporary folders left behind");
  console.log(`ready after ${readyAfterMs} ms, stopped in ${stopMs} ms, whole run ${Date.now() - startedAt} ms`);
});
