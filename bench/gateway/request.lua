-- wrk script shared by every HTTP case of the gateway benchmark (bench/gateway/run.mjs).
--
-- Arguments (after `--`):
--   1 method          GET or POST
--   2 path template   e.g. /zrevrank/lb/player:{p}
--   3 body template   e.g. ["ZINCRBY","lb","1","player:{p}"], or "-" for no body
--   4 players         size of the id space (ids 0 .. players-1)
--   5 variants        how many distinct requests each thread prepares up front
--
-- Every `{p}` is replaced by a fresh random player id, zero-padded to 12 digits: the format that
-- redis-benchmark's __rand_int__ produces, so that wrk and redis-benchmark touch the same members.
-- Requests are formatted once in init() and then replayed round-robin, so wrk's own Lua cost per
-- request is the same (and small) for every target. Headers given with -H (Authorization) apply.
--
-- done() prints one line `BENCH_JSON {...}` with the counters and latency percentiles (µs).

local counter = 1
local threads = {}

function setup(thread)
   thread:set("thread_id", counter)
   table.insert(threads, thread)
   counter = counter + 1
end

local prepared = {}
local count = 0
local index = 0

local function fill(template, players)
   return (string.gsub(template, "{p}", function()
      return string.format("%012d", math.random(0, players - 1))
   end))
end

function init(args)
   local method = args[1] or "GET"
   local path = args[2] or "/"
   local body = args[3]
   if body == "-" or body == "" then
      body = nil
   end
   local players = tonumber(args[4] or "100000")
   local variants = tonumber(args[5] or "1000")
   math.randomseed(os.time() * 1000 + (tonumber(thread_id) or 0) * 7919)
   local dynamic = string.find(path, "{p}", 1, true) or (body and string.find(body, "{p}", 1, true))
   if not dynamic then
      variants = 1
   end
   for i = 1, variants do
      local b = body and fill(body, players) or nil
      prepared[i] = wrk.format(method, fill(path, players), nil, b)
   end
   count = variants
end

function request()
   index = index + 1
   if index > count then
      index = 1
   end
   return prepared[index]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.2f,"max":%d,"stdev":%.2f,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
      summary.requests, summary.duration, summary.bytes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.min, latency.mean, latency.max, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
