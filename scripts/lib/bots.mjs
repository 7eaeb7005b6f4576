// Simulated players for the `npm start` demo, so its boards visibly move. They write like a game
// server does: through the Worker's public API with the server key (never straight to Redis), at
// a visible pace, and back off when the Worker says 429.

/** The simulated players: `skill` from 0 (weak) to 1 (strong). */
const BOTS = [
  { id: "bot-ada", name: "Ada (bot)", skill: 0.95 },
  { id: "bot-grace", name: "Grace (bot)", skill: 0.85 },
  { id: "bot-linus", name: "Linus (bot)", skill: 0.7 },
  { id: "bot-margaret", name: "Margaret (bot)", skill: 0.6 },
  { id: "bot-alan", name: "Alan (bot)", skill: 0.5 },
  { id: "bot-barbara", name: "Barbara (bot)", skill: 0.4 },
  { id: "bot-ken", name: "Ken (bot)", skill: 0.3 },
  { id: "bot-frances", name: "Frances (bot)", skill: 0.2 },
  { id: "bot-dennis", name: "Dennis (bot)", skill: 0.1 },
  { id: "bot-hedy", name: "Hedy (bot)", skill: 0.05 },
];

/** One write this often, alternating between the boards. */
export const BOT_EVERY_MS = 600;
/** No bot writes more often than this: the `global` board allows 10 writes per 10 s per player. */
const BOT_MIN_GAP_MS = 2_000;
const REQUEST_TIMEOUT_MS = 5_000;

/** A score for `board` from a bot of `skill`, with `random()` in [0, 1). */
export function botScore(board, skill, random = Math.random) {
  if (board === "speedrun") {
    // Reaction times in ms: 200-460 ms, lower for stronger bots.
    return Math.round((460 - skill * 240) * (0.85 + 0.3 * random()));
  }
  // Clicks in 10 s: about 25-100, higher for stronger bots.
  return Math.round((30 + skill * 55) * (0.8 + 0.4 * random()));
}

/**
 * The bots of one demo, off until `start()`. `log` gets one line per new kind of failure (not one
 * per write), so a Worker that is down does not flood the terminal.
 */
export function createBots({ workerUrl, serverKey, everyMs = BOT_EVERY_MS, log = console.error, random = Math.random }) {
  const boards = ["global", "speedrun"];
  const lastWrite = new Map();
  const coolUntil = new Map();
  const inFlight = new Set();
  const reported = new Set();
  let timer;
  let ticks = 0;
  let writes = 0;
  let refused = 0;

  function pick(now) {
    const ready = BOTS.filter(
      (bot) => now - (lastWrite.get(bot.id) ?? -Infinity) >= BOT_MIN_GAP_MS && now >= (coolUntil.get(bot.id) ?? 0),
    );
    return ready.length ? ready[Math.floor(random() * ready.length)] : undefined;
  }

  async function write(bot, board) {
    const controller = new AbortController();
    inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const res = await fetch(`${workerUrl}/v1/boards/${board}/scores`, {
        method: "POST",
        headers: { authorization: `Bearer ${serverKey}`, "content-type": "application/json" },
        body: JSON.stringify({ player: bot.id, name: bot.name, score: botScore(board, bot.skill, random) }),
        signal: controller.signal,
      });
      await res.arrayBuffer();
      if (res.ok) {
        writes += 1;
      } else if (res.status === 429) {
        refused += 1;
        const seconds = Number(res.headers.get("retry-after")) || 10;
        coolUntil.set(bot.id, Date.now() + seconds * 1000);
      } else if (!reported.has(res.status)) {
        reported.add(res.status);
        log(`demo bots: the Worker answered ${res.status} to a bot's score`);
      }
    } catch (err) {
      if (!controller.signal.aborted && !reported.has(err.message)) {
        reported.add(err.message);
        log(`demo bots: cannot reach the Worker (${err.cause?.code ?? err.message})`);
      }
    } finally {
      clearTimeout(timeout);
      inFlight.delete(controller);
    }
  }

  function tick() {
    const now = Date.now();
    const bot = pick(now);
    if (!bot) return;
    lastWrite.set(bot.id, now);
    write(bot, boards[ticks++ % boards.length]);
  }

  return {
    start() {
      if (timer) return;
      tick();
      timer = setInterval(tick, everyMs);
    },
    /** Stops writing; writes in flight are abandoned. */
    stop() {
      clearInterval(timer);
      timer = undefined;
      for (const controller of inFlight) controller.abort();
    },
    state() {
      return { on: timer !== undefined, bots: BOTS.length, every_ms: everyMs, writes, refused };
    },
  };
}
