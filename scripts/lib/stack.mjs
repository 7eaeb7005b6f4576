// The helpers shared by the test suites, the start script and the benches, one job per module:
//
//   tools.mjs      where the server binaries and tools are (the same lookup as `cargo test`'s)
//   processes.mjs  tracking, stopping and reading child processes; free ports; process trees
//   resp.mjs       a minimal RESP client
//   servers.mjs    throw-away Valkey/Redis servers, single or cluster
//   gateway.mjs    the podium-gateway binary
//   worker.mjs     the Worker in local workerd (wrangler dev)
//
// Nothing started through them outlives this Node process.

export { gatewayBinaryPath, startGateway } from "./gateway.mjs";
export { descendants, freePort, sleep } from "./processes.mjs";
export { encodeCommand, respCommand } from "./resp.mjs";
export { GATEWAY_USER, gatewayAclRules, startCluster, startRedisServer, valkeyServerPath } from "./servers.mjs";
export { repoRoot, toolPath } from "./tools.mjs";
export { startWranglerDev, wranglerPath } from "./worker.mjs";
