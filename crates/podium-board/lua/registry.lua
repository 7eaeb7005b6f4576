-- One change to the board registry, atomically: compare the board's stored version with the
-- one its caller read, then store (or remove) the board under the registry's next version.
--
-- KEYS: REGISTRY_KEY_* (the boards hash, the ids sorted set, the version counter)
-- ARGV: REGISTRY_ARG_*: the board id, the version read (0: no such board), the entry JSON
--       to store ('' removes the board)
-- Each stored value is '<version> <entry JSON>'; the JSON is the caller's, stored as sent.
-- Reply: {REGISTRY_WRITTEN, version}   stored or removed, with the registry's new version
--        {REGISTRY_STALE, current}     the board's version is another (0: no such board)

-- #include protocol

if #KEYS ~= REGISTRY_KEY_SIZE or #ARGV ~= REGISTRY_ARG_SIZE then
  return redis.error_reply('registry: called with the wrong number of keys or arguments')
end
local boards, ids = KEYS[REGISTRY_KEY_BOARDS], KEYS[REGISTRY_KEY_IDS]
local board = ARGV[REGISTRY_ARG_BOARD]
local stored = redis.call('HGET', boards, board)
local current = 0
if stored then
  current = tonumber(string.match(stored, '^(%d+) '))
end
if current ~= tonumber(ARGV[REGISTRY_ARG_EXPECTED]) then
  return {REGISTRY_STALE, current}
end
local version = redis.call('INCR', KEYS[REGISTRY_KEY_VERSION])
local entry = ARGV[REGISTRY_ARG_ENTRY]
if entry == '' then
  redis.call('HDEL', boards, board)
  redis.call('ZREM', ids, board)
else
  redis.call('HSET', boards, board, string.format('%d', version) .. ' ' .. entry)
  redis.call('ZADD', ids, 0, board)
end
return {REGISTRY_WRITTEN, version}
