// The demo page's games. The page never sees the server key: it asks the demo's game server
// (POST /demo/session, scripts/lib/demo.mjs) for a player session, then sends each score to the
// Worker itself with that session token. Everything a player typed is shown with textContent.

const endpoint = document.querySelector('meta[name="podium-endpoint"]').content.replace(/\/$/, "");
const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

const CLICKER_MS = 10_000;
const REACTION_MIN_WAIT_MS = 1_200;
const REACTION_MAX_WAIT_MS = 3_500;

// ---------------------------------------------------------------------------------------------
// The player: an id kept in this browser, and a display name they choose.

function randomHex(bytes) {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function stored(key, make) {
  try {
    const value = localStorage.getItem(key);
    if (value) return value;
    const fresh = make();
    localStorage.setItem(key, fresh);
    return fresh;
  } catch {
    return make();
  }
}

const player = stored("podium-demo-player", () => `demo-${randomHex(6)}`);
const nameInput = $("name");
nameInput.value = stored("podium-demo-name", () => `Player ${Math.floor(1000 + Math.random() * 9000)}`);
nameInput.addEventListener("change", () => {
  try {
    localStorage.setItem("podium-demo-name", nameInput.value.trim());
  } catch {
    // private mode: the name lasts for this page only
  }
});
$("player-id").textContent = player;

function displayName() {
  return nameInput.value.trim() || "Anonymous";
}

// The widgets highlight this player's row and pin it below the list when it is further down.
for (const widget of document.querySelectorAll("podium-leaderboard")) widget.setAttribute("player", player);

// ---------------------------------------------------------------------------------------------
// Session and score writes.

let session; // {token, expiresAt}

async function newSession() {
  const res = await fetch("/demo/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ player, name: displayName() }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error?.message ?? `the game server answered ${res.status}`);
  // Renew a minute early rather than have a write refused.
  session = { token: body.token, expiresAt: Date.now() + (body.expires_in - 60) * 1000 };
  return session.token;
}

async function sessionToken() {
  if (session && Date.now() < session.expiresAt) return session.token;
  return newSession();
}

/** Sends a score to the Worker with the player's session; resolves with the Worker's answer. */
async function submit(board, score) {
  for (let attempt = 0; ; attempt++) {
    const token = await sessionToken();
    const res = await fetch(`${endpoint}/v1/boards/${board}/scores`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ player, score, name: displayName() }),
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) return body;
    // The session ended or expired (a restarted stack, say): get a new one, once.
    if (res.status === 401 && attempt === 0) {
      session = undefined;
      continue;
    }
    if (res.status === 429) {
      throw new Error(`Too many scores at once: wait ${res.headers.get("retry-after") ?? "a few"} s.`);
    }
    throw new Error(body.error?.message ?? `the Worker answered ${res.status}`);
  }
}

function outcome(written, unit) {
  const rank = `#${written.rank.toLocaleString()}`;
  if (written.previous_rank === null) return `First score on the board: rank ${rank}.`;
  if (written.improved) return `New best! Rank ${rank} (was #${written.previous_rank.toLocaleString()}).`;
  return `Your best is still ${written.score.toLocaleString()} ${unit}: rank ${rank}.`;
}

async function report(element, board, score, unit, what) {
  delete element.dataset.rank;
  delete element.dataset.score;
  element.textContent = `${what} Sending…`;
  try {
    const written = await submit(board, score);
    element.textContent = `${what} ${outcome(written, unit)}`;
    element.dataset.rank = String(written.rank);
    element.dataset.score = String(written.score);
  } catch (error) {
    element.textContent = `${what} Not recorded: ${error.message}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Clicker: clicks in 10 s on the higher-is-better `global` board.

const clickerStart = $("clicker-start");
const clickerTarget = $("clicker-target");
const clickerCount = $("clicker-count");
const clickerTimer = $("clicker-timer");
let clicks = 0;

clickerStart.addEventListener("click", () => {
  clicks = 0;
  clickerCount.textContent = "0";
  clickerStart.disabled = true;
  clickerTarget.disabled = false;
  clickerTarget.focus();
  $("clicker-result").textContent = "";
  const endsAt = performance.now() + CLICKER_MS;
  const tick = () => {
    const left = Math.max(0, endsAt - performance.now());
    clickerTimer.textContent = `${(left / 1000).toFixed(1)} s`;
    if (left > 0) {
      requestAnimationFrame(tick);
      return;
    }
    clickerTarget.disabled = true;
    clickerStart.disabled = false;
    clickerStart.textContent = "Play again";
    const score = clicks;
    report($("clicker-result"), "global", score, "clicks", `${score} clicks.`);
  };
  requestAnimationFrame(tick);
});

clickerTarget.addEventListener("click", () => {
  clicks += 1;
  clickerCount.textContent = String(clicks);
});

// ---------------------------------------------------------------------------------------------
// Reaction: milliseconds from green to click on the lower-is-better `speedrun` board.

const pad = $("reaction-pad");
let greenAt;
let waitTimer;

function setPad(state, text) {
  pad.dataset.state = state;
  pad.textContent = text;
}

pad.addEventListener("pointerdown", (event) => {
  // React on press, not release: a click would add the button's travel time.
  event.preventDefault();
  const now = performance.now();
  switch (pad.dataset.state) {
    case "idle":
    case "done":
    case "early": {
      setPad("waiting", "Wait for green…");
      $("reaction-result").textContent = "";
      const wait = REACTION_MIN_WAIT_MS + Math.random() * (REACTION_MAX_WAIT_MS - REACTION_MIN_WAIT_MS);
      waitTimer = setTimeout(() => {
        setPad("go", "Click!");
        // The time the green pad is on screen, not the time it was asked for.
        requestAnimationFrame((paintedAt) => (greenAt = paintedAt));
      }, wait);
      break;
    }
    case "waiting":
      clearTimeout(waitTimer);
      setPad("early", "Too soon! Click to try again");
      break;
    case "go": {
      const ms = Math.max(1, Math.round(now - (greenAt ?? now)));
      greenAt = undefined;
      setPad("done", `${ms} ms. Click to play again`);
      report($("reaction-result"), "speedrun", ms, "ms", `${ms} ms.`);
      break;
    }
  }
});

// Keyboard players: Space/Enter act like a press.
pad.addEventListener("keydown", (event) => {
  if (event.key === " " || event.key === "Enter") {
    event.preventDefault();
    pad.dispatchEvent(new PointerEvent("pointerdown"));
  }
});

// ---------------------------------------------------------------------------------------------
// Simulated players, run by the game server.

const botsSwitch = $("bots");
const botsStatus = $("bots-status");

function showBots(state) {
  botsSwitch.checked = state.on;
  botsStatus.textContent = state.on
    ? `On: ${state.bots} simulated players write a score every ${(state.every_ms / 1000).toFixed(1)} s.`
    : "Off: only real players.";
}

async function bots(request) {
  const res = await fetch("/demo/bots", request);
  if (!res.ok) throw new Error(`the game server answered ${res.status}`);
  showBots(await res.json());
}

botsSwitch.addEventListener("change", () => {
  bots({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ on: botsSwitch.checked }),
  }).catch((error) => {
    botsStatus.textContent = `Could not switch: ${error.message}`;
  });
});
bots({}).catch((error) => {
  botsStatus.textContent = `Unknown: ${error.message}`;
});

// ---------------------------------------------------------------------------------------------
// What to copy: built from this page's own widget, shown as text.

const first = document.querySelector("podium-leaderboard");
$("snippet").textContent = `<script type="module" src="${location.origin}/pkg/podium-widget.js"></script>
<podium-leaderboard endpoint="${first.getAttribute("endpoint")}" board="global" limit="10"></podium-leaderboard>`;
$("curl").textContent = `curl -X POST ${endpoint}/v1/boards/global/scores \\
  -H "Authorization: Bearer $PODIUM_SERVER_KEY" -H "Content-Type: application/json" \\
  -d '{"player":"alice","score":42,"name":"Alice"}'`;
