-- A page of a board with names and the total, in one round trip: the names to fetch are only
-- known once the range is read, so a pipeline could not do it.
--
-- KEYS: scores, names, members
-- ARGV: order (higher|lower), "top", start, stop   (0-based, inclusive)
--       order (higher|lower), "around", player, radius
-- Reply: {total, start, better, member, score, name, member, score, name, …}
--   start: 0-based position of the first entry, -1 when "around" finds no such player;
--   better: entries strictly better than the first entry's score (its shared rank − 1).

local higher = ARGV[1] == 'higher'
local scores = KEYS[1]
local total = redis.call('ZCARD', scores)
local start, stop

if ARGV[2] == 'top' then
  start, stop = tonumber(ARGV[3]), tonumber(ARGV[4])
  -- An empty page: Redis would read a stop of -1 as "to the end".
  if stop < start then return { total, start, 0 } end
else
  local member = redis.call('HGET', KEYS[3], ARGV[3])
  local rank = false
  if member then
    if higher then rank = redis.call('ZREVRANK', scores, member) else rank = redis.call('ZRANK', scores, member) end
  end
  if not rank then return { total, -1, 0 } end
  -- Centred on the player, shifted at the edges to keep the window full.
  local width = 2 * tonumber(ARGV[4]) + 1
  start = math.max(math.min(rank - tonumber(ARGV[4]), total - width), 0)
  stop = start + width - 1
end

local entries
if higher then
  entries = redis.call('ZREVRANGE', scores, start, stop, 'WITHSCORES')
else
  entries = redis.call('ZRANGE', scores, start, stop, 'WITHSCORES')
end
if #entries == 0 then return { total, start, 0 } end

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

local reply = { total, start, better }
for i = 1, #players do
  reply[#reply + 1] = entries[2 * i - 1]
  reply[#reply + 1] = entries[2 * i]
  reply[#reply + 1] = names[i]
end
return reply
