// Which of the Worker's secrets `npm run deploy` (scripts/deploy.mjs) wants before deploying, and
// what it says about the ones a Worker lacks. Pure, so tests/demo/deploy.test.mjs checks it
// without a Cloudflare account.

/** Secrets the Worker refuses to run without (worker/src/lib.rs, podium-api's ApiConfig). */
export const REQUIRED_SECRETS = ["UPSTASH_REDIS_REST_TOKEN", "PODIUM_SERVER_KEY"];
/**
 * Secrets the Worker runs without, in a weaker way: without PODIUM_ADMIN_KEY the server key keeps
 * moderating (podium-api's auth.rs), as deployments from before the admin key expect.
 */
export const RECOMMENDED_SECRETS = ["PODIUM_ADMIN_KEY"];
/** May be a secret (the Upstash integration sets it as one) or a [vars] entry. */
export const URL_VAR = "UPSTASH_REDIS_REST_URL";

/** The command that sets one secret, as the messages print it. */
export function putCommand(name) {
  return `  (cd worker && npx wrangler secret put ${name})`;
}

/**
 * What the deployed Worker's secrets (a Set of names) lack: `missing` stops the deploy (the Worker
 * would answer 500), `notes` are printed and the deploy goes on.
 */
export function checkSecrets(secrets, { urlInVars }) {
  const missing = REQUIRED_SECRETS.filter((name) => !secrets.has(name));
  if (!secrets.has(URL_VAR) && !urlInVars) missing.push(URL_VAR);
  const notes = [];
  if (!secrets.has("PODIUM_ADMIN_KEY")) {
    notes.push(
      "the Worker has no PODIUM_ADMIN_KEY, so the server key (which your game server holds) can also " +
        "remove players and empty periods. Give moderation its own key:\n" +
        `  openssl rand -base64 32 | ${putCommand("PODIUM_ADMIN_KEY").trim()}\n` +
        "(it must differ from PODIUM_SERVER_KEY; see docs/deploy-cloudflare-upstash.md, \"Who may do what\").",
    );
  }
  return { missing, notes };
}
