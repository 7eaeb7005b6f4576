// The node side of "one place knows where the servers are": scripts/lib/tools.mjs answers the
// shared cases in tool-paths.json, which crates/podium-testkit/src/tools.rs answers too (its unit
// tests read the same file), so `PODIUM_VALKEY_SERVER` and the paths file mean the same to both.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import { readRecorded, recordToolPaths, resolveTool, TOOLS } from "../../scripts/lib/tools.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { cases } = JSON.parse(readFileSync(path.join(HERE, "tool-paths.json"), "utf8"));

for (const c of cases) {
  test(`tool lookup: ${c.name}`, () => {
    const executables = new Set(c.executables);
    const found = resolveTool(c.tool, {
      env: c.env,
      recorded: c.recorded,
      pathDirs: c.path,
      root: "/repo",
      isExecutable: (file) => executables.has(file),
    });
    if (c.expect === null) assert.ok(found.error, `expected a failure, got ${JSON.stringify(found)}`);
    else assert.equal(found.path, c.expect, found.error);
  });
}

test("every tool in the cases is in tools.json", () => {
  for (const c of cases) assert.ok(TOOLS[c.tool], c.tool);
});

test("the recorded paths file holds what the lookup found, and is read back", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "podium-tools-"));
  try {
    const file = path.join(dir, "paths.json");
    recordToolPaths(file);
    const recorded = readRecorded(file);
    for (const [name, file] of Object.entries(recorded)) {
      assert.ok(TOOLS[name], name);
      assert.ok(path.isAbsolute(file), file);
    }
    assert.equal(recordToolPaths(file), false, "recording the same tools again changes nothing");
    writeFileSync(file, "not json");
    assert.equal(readRecorded(file), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
