-- One score write, atomically: rate limits, then the policy on every period of the board.
-- Integer arithmetic in doubles only, every value below 2^53 (see podium-core `ratelimit`
-- and `tiebreak`, which the functions in lib/ port and must agree with).
--
-- Inputs are read by name: the places of keys and arguments, the reply statuses and the
-- constant strings come from podium-board's src/protocol.rs (`-- #include protocol`).
-- KEYS: KEY_*, then per period PERIOD_KEY_*, then per limit SLIDING_WINDOW_KEY_* or
--       TOKEN_BUCKET_KEY_*.
-- Who may write for the player (the server key, or a session token signed for that player) is
-- checked by the API before the script runs: no session state is read here.
-- ARGV: ARG_*, then per period PERIOD_ARG_*, then per limit LIMIT_ARG_*.
-- Reply: {STATUS_RATE_LIMITED, limit, remaining, reset, refusing} refused by a rate limit
--                                                              (refusing: its 1-based place)
--        {STATUS_ACCEPTED, limit, remaining, reset, score, rank, previous_rank, improved}
--        {STATUS_SUM_OUT_OF_RANGE, limit, remaining, reset, total} a sum would leave ±(2^53−1)
-- limit = 0 when the board has no rate limit; previous_rank = -1 when there was none;
-- ranks are 0-based from the best, for the first period.

-- #include protocol
-- #include lib/sliding_window.lua
-- #include lib/token_bucket.lua
-- #include lib/most_restrictive.lua
-- #include lib/tiebreak.lua

local MAX_SAFE = 9007199254740991
local now = tonumber(ARGV[ARG_NOW_MS])
local player = ARGV[ARG_PLAYER]
local score = tonumber(ARGV[ARG_SCORE])
local policy = ARGV[ARG_POLICY]
local higher = ARGV[ARG_ORDER] == 'higher'
local name = ARGV[ARG_NAME]
local period_count = tonumber(ARGV[ARG_PERIOD_COUNT])
local limit_count = tonumber(ARGV[ARG_LIMIT_COUNT])
-- Where each block starts, less one: a place in it is `base + FIELD`.
local period_key_base, period_arg_base = KEY_SIZE, ARG_SIZE
local limit_key_base = period_key_base + period_count * PERIOD_KEY_SIZE
local limit_arg_base = period_arg_base + period_count * PERIOD_ARG_SIZE

local function int(n)
  return string.format('%d', n)
end

-- Rate limits: decide all first (spending nothing), so a refusal writes nothing.
local limits = {}
local key_at = limit_key_base
for i = 1, limit_count do
  local arg_at = limit_arg_base + (i - 1) * LIMIT_ARG_SIZE
  local algorithm = ARGV[arg_at + LIMIT_ARG_ALGORITHM]
  local limit = tonumber(ARGV[arg_at + LIMIT_ARG_LIMIT])
  local interval = tonumber(ARGV[arg_at + LIMIT_ARG_INTERVAL_MS])
  local l
  if algorithm == ALGORITHM_SLIDING_WINDOW then
    local previous = tonumber(redis.call('GET', KEYS[key_at + SLIDING_WINDOW_KEY_PREVIOUS]) or '0')
    local key = KEYS[key_at + SLIDING_WINDOW_KEY_CURRENT]
    local current = tonumber(redis.call('GET', key) or '0')
    l = sliding_window_check(previous, current, limit, interval, now)
    l.key = key
    key_at = key_at + SLIDING_WINDOW_KEY_SIZE
  elseif algorithm == ALGORITHM_TOKEN_BUCKET then
    local key = KEYS[key_at + TOKEN_BUCKET_KEY_BUCKET]
    local stored = redis.call('HMGET', key, 'tokens', 'refilled_at')
    local amount = tonumber(ARGV[arg_at + LIMIT_ARG_REFILL_AMOUNT])
    l = token_bucket_check(stored[1], stored[2], limit, amount, interval, now)
    l.key = key
    key_at = key_at + TOKEN_BUCKET_KEY_SIZE
  else
    return redis.error_reply('unknown algorithm ' .. tostring(algorithm))
  end
  l.algorithm = algorithm
  limits[i] = l
end

-- The reported limit; its place goes with a refusal, so the caller can tell whose it was.
local chosen, chosen_at = most_restrictive(limits)
local head = { 0, 0, 0 }
if chosen then head = { chosen.limit, chosen.remaining, chosen.reset } end
if chosen and not chosen.success then
  return { STATUS_RATE_LIMITED, head[1], head[2], head[3], chosen_at }
end

-- The policy, decided for every period before anything is written.
local function rank_of(key, member)
  if higher then return redis.call('ZREVRANK', key, member) end
  return redis.call('ZRANK', key, member)
end

local periods = {}
for i = 1, period_count do
  local key_at = period_key_base + (i - 1) * PERIOD_KEY_SIZE
  local arg_at = period_arg_base + (i - 1) * PERIOD_ARG_SIZE
  local p = {
    scores = KEYS[key_at + PERIOD_KEY_SCORES],
    members = KEYS[key_at + PERIOD_KEY_MEMBERS],
    expires_at = tonumber(ARGV[arg_at + PERIOD_ARG_EXPIRES_AT_MS]),
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
      return { STATUS_SUM_OUT_OF_RANGE, head[1], head[2], head[3], int(p.new_score) }
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
  if l.algorithm == ALGORITHM_SLIDING_WINDOW then
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
      member = tiebreak_member(higher, redis.call('INCR', KEYS[KEY_SEQUENCE]), player)
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

if name ~= '' then redis.call('HSET', KEYS[KEY_NAMES], player, name) end

local improved = 0
local old = first.old_score
if old == nil or (higher and first.new_score > old) or (not higher and first.new_score < old) then
  improved = 1
end
return { STATUS_ACCEPTED, head[1], head[2], head[3], int(first.new_score),
  rank_of(first.scores, first.old_member), previous_rank, improved }
