// Where the server binaries and tools are: the one answer `npm start`, the node tests, the benches
// and (through crates/podium-testkit/src/tools.rs, which reads the same files in the same order)
// `cargo test` use. The tools and their overrides are listed once, in tools.json.
//
// A tool's path is the first of:
//   1. its environment variable (PODIUM_VALKEY_SERVER, PODIUM_REDIS_SERVER), when set; it must be
//      an executable file, or the lookup fails rather than quietly run another server;
//   2. the path scripts/bootstrap.sh recorded in the paths file ($PODIUM_TOOLS_PATHS, default
//      <repo>/.tools/paths.json), while that file is still executable;
//   3. the first executable of that name on PATH;
//   4. its fallbacks in tools.json (relative ones under the repository root).
//
// `node scripts/lib/tools.mjs --record` (run by the bootstrap) writes the paths file from steps
// 1, 3 and 4, so later runs find what the bootstrap found or installed even with another PATH.

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");

/** Absolute path of the repository root (two levels above scripts/lib). */
export function repoRoot() {
  return ROOT;
}

/** The tool table: name → {env?, fallbacks}. */
export const TOOLS = JSON.parse(readFileSync(path.join(HERE, "tools.json"), "utf8")).tools;

/** The paths file the bootstrap writes ($PODIUM_TOOLS_PATHS overrides where it is). */
export function pathsFile(env = process.env) {
  return env.PODIUM_TOOLS_PATHS ? path.resolve(ROOT, env.PODIUM_TOOLS_PATHS) : path.join(ROOT, ".tools", "paths.json");
}

/** The recorded paths (name → path), or undefined when there is no readable paths file. */
export function readRecorded(file = pathsFile()) {
  try {
    return JSON.parse(readFileSync(file, "utf8")).tools ?? {};
  } catch {
    return undefined;
  }
}

function isExecutableFile(file) {
  try {
    // Any execute bit on a regular file: what spawn needs (the same test as tools.rs).
    const stat = statSync(file);
    return stat.isFile() && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * The pure lookup behind {@link toolPath}: every input is an argument, so that the shared cases in
 * tests/tools/tool-paths.json can check it against tools.rs without touching the file system.
 * Returns {path, source} or {error}.
 */
export function resolveTool(name, { env, recorded, pathDirs, root, isExecutable }) {
  const tool = TOOLS[name];
  if (!tool) return { error: `unknown tool ${JSON.stringify(name)}` };
  if (tool.env && env[tool.env]) {
    const fromEnv = env[tool.env];
    if (!isExecutable(fromEnv)) return { error: `${tool.env}=${fromEnv} is not an executable file` };
    return { path: fromEnv, source: tool.env };
  }
  const fromRecord = recorded?.[name];
  if (fromRecord && isExecutable(fromRecord)) return { path: fromRecord, source: "paths file" };
  for (const dir of pathDirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return { path: candidate, source: "PATH" };
  }
  for (const fallback of tool.fallbacks ?? []) {
    const candidate = path.resolve(root, fallback);
    if (isExecutable(candidate)) return { path: candidate, source: "fallback" };
  }
  const where = [tool.env ? `${tool.env} unset` : "", recorded ? "not in the paths file" : "no paths file", "not on PATH"];
  return {
    error:
      `${name} not found: ${where.filter(Boolean).join(", ")}, ` +
      `and none of ${(tool.fallbacks ?? []).join(", ") || "its fallbacks"} exists (run scripts/bootstrap.sh)`,
  };
}

function liveLookup({ useRecord = true } = {}) {
  return {
    env: process.env,
    recorded: useRecord ? readRecorded() : undefined,
    pathDirs: (process.env.PATH ?? "").split(path.delimiter),
    root: ROOT,
    isExecutable: isExecutableFile,
  };
}

/** The path of `name` (a key of tools.json), in the order described at the top; throws when none. */
export function toolPath(name) {
  const found = resolveTool(name, liveLookup());
  if (found.error) throw new Error(found.error);
  return found.path;
}

/** Writes the paths file from what is installed now (the bootstrap's last step); true if it changed. */
export function recordToolPaths(file = pathsFile()) {
  const lookup = liveLookup({ useRecord: false });
  const tools = {};
  for (const name of Object.keys(TOOLS)) {
    const found = resolveTool(name, lookup);
    if (found.path) tools[name] = path.resolve(found.path);
  }
  const text = `${JSON.stringify({ recordedBy: "scripts/bootstrap.sh", tools }, null, 2)}\n`;
  let old;
  try {
    old = readFileSync(file, "utf8");
  } catch {
    old = undefined;
  }
  if (old === text) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, file);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, name] = process.argv.slice(2);
  if (command === "--record") {
    const file = pathsFile();
    if (recordToolPaths(file)) console.log(`recorded the tool paths in ${path.relative(process.cwd(), file) || file}`);
  } else if (command === "--which" && name) {
    console.log(toolPath(name));
  } else {
    console.error("usage: node scripts/lib/tools.mjs --record | --which TOOL");
    process.exit(2);
  }
}
