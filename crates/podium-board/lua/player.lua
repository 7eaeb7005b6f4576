-- One player's standing in one round trip: the member to rank is only known from the members
-- hash, so a pipeline could not do it.
--
-- KEYS: scores, members, names
-- ARGV: order (higher|lower), player
-- Reply: {total} when the player has no score, else {total, rank (0-based), score, name}.

local scores = KEYS[1]
local total = redis.call('ZCARD', scores)
local member = redis.call('HGET', KEYS[2], ARGV[2])
if not member then return { total } end
local score = redis.call('ZSCORE', scores, member)
if not score then return { total } end
local rank
if ARGV[1] == 'higher' then
  rank = redis.call('ZREVRANK', scores, member)
else
  rank = redis.call('ZRANK', scores, member)
end
return { total, rank, score, redis.call('HGET', KEYS[3], ARGV[2]) }
