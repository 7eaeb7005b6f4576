-- wrk script for score writes: POST /v1/boards/<board>/scores with the server key, a random player
-- out of PLAYERS and a random score. Set by bench/worker/run.mjs through environment variables.
local board = os.getenv("BENCH_BOARD") or "bench"
local key = os.getenv("BENCH_SERVER_KEY")
local players = tonumber(os.getenv("BENCH_PLAYERS") or "10000")
local path = "/v1/boards/" .. board .. "/scores"
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }
math.randomseed(os.time())

request = function()
  local p = math.random(1, players)
  local body = string.format('{"player":"p%d","score":%d,"name":"Player %d"}', p, math.random(0, 1000000), p)
  return wrk.format("POST", path, headers, body)
end
