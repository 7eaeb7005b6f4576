-- TokenBucket::check of podium-core (`ratelimit/token_bucket.rs`), deciding only: the caller
-- stores the bucket once every limit allows the write. `stored_tokens` and
-- `stored_refilled_at` are the hash's fields, nil when the bucket is not stored (a full one).
-- Returns { success, limit, remaining, reset, tokens, refilled_at, expire } (tokens and
-- refilled_at: what to store; expire: its TTL).
local function token_bucket_check(stored_tokens, stored_refilled_at, capacity, amount, interval, now)
  local tokens, refilled_at = capacity, now
  if stored_tokens and stored_refilled_at then
    -- At most the capacity: it may have been lowered since the bucket was stored.
    tokens, refilled_at = math.min(tonumber(stored_tokens), capacity), tonumber(stored_refilled_at)
  end
  if now >= refilled_at + interval then
    local refills = math.floor((now - refilled_at) / interval)
    tokens = math.min(tokens + refills * amount, capacity)
    refilled_at = refilled_at + refills * interval
  end
  local success = tokens > 0
  if success then tokens = tokens - 1 end
  return {
    success = success,
    limit = capacity,
    remaining = tokens,
    reset = refilled_at + interval,
    tokens = tokens,
    refilled_at = refilled_at,
    expire = math.ceil((capacity - tokens) / amount) * interval,
  }
end
