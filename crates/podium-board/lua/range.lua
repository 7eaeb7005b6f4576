-- A page of a board with names and the total, in one round trip: the names to fetch are only
-- known once the range is read, so a pipeline could not do it.
--
-- KEYS: scores, names, members
-- ARGV: order (higher|lower), RANGE_TOP, start, stop   (0-based, inclusive)
--       order (higher|lower), RANGE_AROUND, player, radius
--       order (higher|lower), RANGE_AFTER or RANGE_BEFORE, score, member, limit
--         (the entries just after, or just before, the cursor's (score, member) place)
-- Reply: {total, start, better, rank, member, score, name, member, score, name, …}
--   start: 0-based position of the first entry;
--   better: entries strictly better than the first entry's score (its shared rank − 1);
--   rank: the "around" player's 0-based rank, -1 when they have no score (the window is then
--     the top of the board) and for the other modes.

-- #include protocol

local higher = ARGV[1] == 'higher'
local mode = ARGV[2]
local scores = KEYS[1]
local total = redis.call('ZCARD', scores)
local start, stop
local player_rank = -1

-- Redis orders equal scores by member bytes (memcmp, then length); Lua's own `<` on strings
-- follows the server's locale, so bytes are compared one by one.
local function member_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- How many entries come before the place of (score, member) in board order, and whether that
-- entry is still there. O(log N) when it is (its rank); when it has moved since the cursor was
-- made, its place among the entries of that score is found by bisecting their positions
-- (O(log N) per probe, log2 of the number of such ties probes).
local function place(score, member)
  local stored = redis.call('ZSCORE', scores, member)
  if stored and tonumber(stored) == tonumber(score) then
    if higher then return redis.call('ZREVRANK', scores, member), true end
    return redis.call('ZRANK', scores, member), true
  end
  -- Ascending positions lo .. lo + ties - 1 hold this score; find the first member above.
  local lo = redis.call('ZCOUNT', scores, '-inf', '(' .. score)
  local ties = redis.call('ZCOUNT', scores, score, score)
  local first, last = lo, lo + ties
  while first < last do
    local middle = math.floor((first + last) / 2)
    if member_less(redis.call('ZRANGE', scores, middle, middle)[1], member) then
      first = middle + 1
    else
      last = middle
    end
  end
  local below = first
  if higher then return total - below, false end
  return below, false
end

if mode == RANGE_TOP then
  start, stop = tonumber(ARGV[3]), tonumber(ARGV[4])
elseif mode == RANGE_AROUND then
  local width = 2 * tonumber(ARGV[4]) + 1
  local member = redis.call('HGET', KEYS[3], ARGV[3])
  local rank = false
  if member then
    if higher then rank = redis.call('ZREVRANK', scores, member) else rank = redis.call('ZRANK', scores, member) end
  end
  if rank then
    -- Centred on the player, shifted at the edges to keep the window full.
    player_rank = rank
    start = math.max(math.min(rank - tonumber(ARGV[4]), total - width), 0)
  else
    start = 0
  end
  stop = start + width - 1
elseif mode == RANGE_AFTER or mode == RANGE_BEFORE then
  local before, present = place(ARGV[3], ARGV[4])
  local limit = tonumber(ARGV[5])
  if mode == RANGE_AFTER then
    start = before
    if present then start = start + 1 end
    stop = start + limit - 1
  else
    start, stop = math.max(before - limit, 0), before - 1
  end
else
  return redis.error_reply('range: unknown mode')
end

-- An empty page: Redis would read a stop of -1 as "to the end".
if stop < start then return { total, start, 0, player_rank } end

local entries
if higher then
  entries = redis.call('ZREVRANGE', scores, start, stop, 'WITHSCORES')
else
  entries = redis.call('ZRANGE', scores, start, stop, 'WITHSCORES')
end
if #entries == 0 then return { total, start, 0, player_rank } end

local better
if higher then
  better = redis.call('ZCOUNT', scores, '(' .. entries[2], '+inf')
else
  better = redis.call('ZCOUNT', scores, '-inf', '(' .. entries[2])
end

local players = {}
for i = 1, #entries, 2 do
  players[#players + 1] = string.sub(entries[i], 18)
end
local names = redis.call('HMGET', KEYS[2], unpack(players))

local reply = { total, start, better, player_rank }
for i = 1, #players do
  reply[#reply + 1] = entries[2 * i - 1]
  reply[#reply + 1] = entries[2 * i]
  reply[#reply + 1] = names[i]
end
return reply
