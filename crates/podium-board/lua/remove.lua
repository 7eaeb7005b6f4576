-- Removes a player from every given period and forgets their name, atomically.
--
-- KEYS: names, then per period: scores, members
-- ARGV: player
-- Reply: how many periods held a score of the player.

local player = ARGV[1]
local removed = 0
for i = 2, #KEYS, 2 do
  local member = redis.call('HGET', KEYS[i + 1], player)
  if member then
    removed = removed + redis.call('ZREM', KEYS[i], member)
    redis.call('HDEL', KEYS[i + 1], player)
  end
end
redis.call('HDEL', KEYS[1], player)
return removed
