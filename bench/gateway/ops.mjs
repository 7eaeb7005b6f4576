// The operations, in the forms each target speaks, and a hand-made check of each before the load.

import { cfg, KEY, pad } from "./config.mjs";

function pipelineBody(n) {
  return JSON.stringify(Array.from({ length: n }, () => ["ZINCRBY", KEY, "1", "player:{p}"]));
}

export const OPS = [
  {
    id: "top10",
    label: "top-10 read",
    detail: "ZREVRANGE lb 0 9 WITHSCORES",
    gateway: { method: "GET", path: "/zrevrange/lb/0/9/WITHSCORES" },
    webdis: { method: "GET", path: "/ZREVRANGE/lb/0/9/WITHSCORES" },
    raw: { args: ["zrevrange", KEY, "0", "9", "WITHSCORES"] },
  },
  {
    id: "zincrby",
    label: "write",
    detail: "ZINCRBY lb 1 player:N",
    gateway: { method: "POST", path: "/", body: `["ZINCRBY","${KEY}","1","player:{p}"]` },
    webdis: { method: "GET", path: "/ZINCRBY/lb/1/player:{p}" },
    raw: { args: ["zincrby", KEY, "1", "player:__rand_int__"] },
  },
  {
    id: "zrevrank",
    label: "rank read",
    detail: "ZREVRANK lb player:N",
    gateway: { method: "GET", path: "/zrevrank/lb/player:{p}" },
    webdis: { method: "GET", path: "/ZREVRANK/lb/player:{p}" },
    raw: { args: ["zrevrank", KEY, "player:__rand_int__"] },
  },
  {
    id: "pipeline",
    label: `pipeline ×${cfg.pipeline}`,
    detail: `POST /pipeline, ${cfg.pipeline} × ZINCRBY`,
    batch: cfg.pipeline,
    gateway: { method: "POST", path: "/pipeline", body: pipelineBody(cfg.pipeline) },
    webdis: null, // Webdis has no pipeline endpoint
    raw: { args: ["zincrby", KEY, "1", "player:__rand_int__"], pipeline: cfg.pipeline },
  },
];
export const TARGETS = ["gateway", "webdis", "raw"];
export const TARGET_LABEL = { gateway: "Podium gateway", webdis: "Webdis", raw: "raw Valkey (redis-benchmark)" };

/** Checks one request of each form by hand before putting load on it. */
export async function preflight(kind, base, token) {
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const fill = (s) => s.replaceAll("{p}", pad(12345));
  const call = async (spec) => {
    const res = await fetch(base + fill(spec.path), {
      method: spec.method,
      headers: { ...auth, ...(spec.body ? { "content-type": "application/json" } : {}) },
      body: spec.body ? fill(spec.body) : undefined,
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  };
  const fail = (what, r) => {
    throw new Error(`preflight ${kind} ${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  };
  for (const op of OPS) {
    const spec = op[kind];
    if (!spec) continue;
    const r = await call(spec);
    if (r.status !== 200 || !r.json) fail(op.id, r);
    const value = kind === "gateway" ? r.json.result : r.json[op.raw.args[0].toUpperCase()];
    const ok = {
      top10: () => Array.isArray(value) && value.length === 20,
      zincrby: () => typeof value === "string" && /^\d+(\.\d+)?$/.test(value),
      zrevrank: () => Number.isInteger(value),
      pipeline: () =>
        Array.isArray(r.json) && r.json.length === op.batch && r.json.every((e) => typeof e.result === "string"),
    }[op.id]();
    if (!ok) fail(op.id, r);
  }
  if (kind === "gateway") {
    const res = await fetch(`${base}/zrevrange/lb/0/9`);
    await res.text();
    if (res.status !== 401) throw new Error(`preflight gateway: no token gave HTTP ${res.status}, expected 401`);
  }
}
