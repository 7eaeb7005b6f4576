-- One score write, atomically: rate limits, then the policy on every period of the board.
-- Integer arithmetic in doubles only, every value below 2^53 (see podium-core `ratelimit`
-- and `tiebreak`, which this script must agree with).
--
-- KEYS: sequence, names, then per period: scores, members, then per limit: its keys
--       (sliding window: previous counter, current counter; token bucket: its hash).
-- ARGV: now_ms, player, score, policy (best|latest|sum), order (higher|lower), name ("" = none),
--       period count, per period: expires_at_ms (0 = never),
--       limit count, per limit: "sw", limit, window_ms, 0 | "tb", capacity, refill_amount, interval_ms,
--       then the writer: "server", or "session" with the session key as the last KEY.
-- Reply: {0, limit, remaining, reset, refusing}                refused by a rate limit
--                                                              (refusing: its 1-based place)
--        {1, limit, remaining, reset, score, rank, previous_rank, improved}
--        {2, limit, remaining, reset, total}                   a sum would leave ±(2^53−1)
--        {3}                                                   no such session
--        {4}                                                   the session is another player's
-- limit = 0 when the board has no rate limit; previous_rank = -1 when there was none;
-- ranks are 0-based from the best, for the first period.

local MAX_SAFE = 9007199254740991
local now = tonumber(ARGV[1])
local player = ARGV[2]
local score = tonumber(ARGV[3])
local policy = ARGV[4]
local higher = ARGV[5] == 'higher'
local name = ARGV[6]
local period_count = tonumber(ARGV[7])
local limit_count = tonumber(ARGV[8 + period_count])

-- A player session vouches for its own player only; checked here so a session write stays one
-- round trip, and before anything else so a refused write spends and writes nothing.
if ARGV[#ARGV] == 'session' then
  local stored = redis.call('GET', KEYS[#KEYS])
  if not stored then return { 3 } end
  local session = cjson.decode(stored)
  if session.player ~= player then return { 4 } end
  if name == '' and type(session.name) == 'string' then name = session.name end
end

local function int(n)
  return string.format('%d', n)
end

-- Rate limits: decide all first (spending nothing), so a refusal writes nothing.
local key_at = 3 + 2 * period_count
local arg_at = 9 + period_count
local limits = {}
for i = 1, limit_count do
  local algorithm = ARGV[arg_at]
  local a, b, c = tonumber(ARGV[arg_at + 1]), tonumber(ARGV[arg_at + 2]), tonumber(ARGV[arg_at + 3])
  arg_at = arg_at + 4
  local l = { algorithm = algorithm }
  if algorithm == 'sw' then
    -- SlidingWindow::check
    local limit, window_ms = a, b
    local previous = tonumber(redis.call('GET', KEYS[key_at]) or '0')
    local current = tonumber(redis.call('GET', KEYS[key_at + 1]) or '0')
    l.key = KEYS[key_at + 1]
    key_at = key_at + 2
    local window = math.floor(now / window_ms)
    local start = window * window_ms
    local elapsed = now - start
    local used = math.floor(previous * (window_ms - elapsed) / window_ms) + current
    l.limit = limit
    l.expire = 2 * window_ms + 1000
    if used >= limit then
      -- SlidingWindow::next_acceptance
      local function first_offset_below(prev, budget)
        if prev < budget then return 0 end
        local threshold = math.floor((budget * window_ms + prev - 1) / prev)
        local offset = window_ms + 1 - threshold
        if offset < window_ms then return offset end
        return nil
      end
      local reset
      if current < limit then
        local offset = first_offset_below(previous, limit - current)
        if offset and offset > elapsed then reset = start + offset end
      end
      if not reset then
        local offset = first_offset_below(current, limit)
        reset = start + window_ms + (offset or window_ms)
      end
      l.success, l.remaining, l.reset = false, 0, reset
    else
      l.success, l.remaining, l.reset = true, limit - used - 1, (window + 1) * window_ms
    end
  else
    -- TokenBucket::check
    local capacity, amount, interval = a, b, c
    l.key = KEYS[key_at]
    key_at = key_at + 1
    local stored = redis.call('HMGET', l.key, 'tokens', 'refilled_at')
    local tokens, refilled_at = capacity, now
    if stored[1] and stored[2] then
      -- At most the capacity: it may have been lowered since the bucket was stored.
      tokens, refilled_at = math.min(tonumber(stored[1]), capacity), tonumber(stored[2])
    end
    if now >= refilled_at + interval then
      local refills = math.floor((now - refilled_at) / interval)
      tokens = math.min(tokens + refills * amount, capacity)
      refilled_at = refilled_at + refills * interval
    end
    l.limit = capacity
    l.reset = refilled_at + interval
    l.success = tokens > 0
    if l.success then tokens = tokens - 1 end
    l.remaining = tokens
    l.tokens, l.refilled_at = tokens, refilled_at
    l.expire = math.ceil((capacity - tokens) / amount) * interval
  end
  limits[i] = l
end

-- RateLimitResult::most_restrictive over all limits, in order.
-- Its place goes with a refusal, so the caller can tell whose limit it was.
local chosen, chosen_at
for i, l in ipairs(limits) do
  if not chosen
    or (chosen.success and not l.success)
    or (not chosen.success and not l.success and l.reset > chosen.reset)
    or (chosen.success and l.success and l.remaining < chosen.remaining) then
    chosen, chosen_at = l, i
  end
end
local head = { 0, 0, 0 }
if chosen then head = { chosen.limit, chosen.remaining, chosen.reset } end
if chosen and not chosen.success then
  return { 0, head[1], head[2], head[3], chosen_at }
end

-- The policy, decided for every period before anything is written.
local function rank_of(key, member)
  if higher then return redis.call('ZREVRANK', key, member) end
  return redis.call('ZRANK', key, member)
end

local periods = {}
for i = 1, period_count do
  local p = {
    scores = KEYS[1 + 2 * i],
    members = KEYS[2 + 2 * i],
    expires_at = tonumber(ARGV[7 + i]),
  }
  p.old_member = redis.call('HGET', p.members, player)
  if p.old_member then
    local stored = redis.call('ZSCORE', p.scores, p.old_member)
    if stored then
      p.old_score = tonumber(stored)
    else
      p.old_member = false
    end
  end
  local old = p.old_score
  if policy == 'sum' then
    p.new_score = (old or 0) + score
    if math.abs(p.new_score) > MAX_SAFE then
      return { 2, head[1], head[2], head[3], int(p.new_score) }
    end
  elseif policy == 'latest' or old == nil then
    p.new_score = score
  elseif (higher and score > old) or (not higher and score < old) then
    p.new_score = score
  else
    p.new_score = old
  end
  p.changed = old == nil or p.new_score ~= old
  periods[i] = p
end

-- Everything is allowed: spend the rate limits.
for _, l in ipairs(limits) do
  if l.algorithm == 'sw' then
    if redis.call('INCR', l.key) == 1 then
      redis.call('PEXPIRE', l.key, l.expire)
    end
  else
    redis.call('HSET', l.key, 'tokens', int(l.tokens), 'refilled_at', int(l.refilled_at))
    redis.call('PEXPIRE', l.key, l.expire)
  end
end

local first = periods[1]
local previous_rank = -1
if first.old_member then previous_rank = rank_of(first.scores, first.old_member) end

-- One arrival number for this write, taken only if a stored score changes (see `tiebreak`).
local member
for _, p in ipairs(periods) do
  if p.changed then
    if not member then
      local hex = string.format('%016x', redis.call('INCR', KEYS[1]))
      if higher then
        hex = string.gsub(hex, '%x', function(digit)
          return string.format('%x', 15 - tonumber(digit, 16))
        end)
      end
      member = hex .. ':' .. player
    end
    if p.old_member then redis.call('ZREM', p.scores, p.old_member) end
    redis.call('ZADD', p.scores, int(p.new_score), member)
    redis.call('HSET', p.members, player, member)
    p.old_member = member
  end
  if p.expires_at > 0 then
    local ttl = math.max(p.expires_at - now, 1)
    redis.call('PEXPIRE', p.scores, ttl)
    redis.call('PEXPIRE', p.members, ttl)
  end
end

if name ~= '' then redis.call('HSET', KEYS[2], player, name) end

local improved = 0
local old = first.old_score
if old == nil or (higher and first.new_score > old) or (not higher and first.new_score < old) then
  improved = 1
end
return { 1, head[1], head[2], head[3], int(first.new_score), rank_of(first.scores, first.old_member),
  previous_rank, improved }
