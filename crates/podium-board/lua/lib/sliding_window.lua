-- SlidingWindow::check of podium-core (`ratelimit/sliding_window.rs`), deciding only: the
-- caller spends (INCR) once every limit allows the write. `previous` and `current` are the
-- stored counters of the window before `now` and of the one containing it.
-- Returns { success, limit, remaining, reset, expire } (expire: the new counter's TTL).
local function sliding_window_check(previous, current, limit, window_ms, now)
  local window = math.floor(now / window_ms)
  local start = window * window_ms
  local elapsed = now - start
  local used = math.floor(previous * (window_ms - elapsed) / window_ms) + current
  -- SLIDING_WINDOW_SLACK_MS: a counter outlives its window by a second.
  local decision = { limit = limit, expire = 2 * window_ms + 1000 }
  if used < limit then
    decision.success, decision.remaining, decision.reset = true, limit - used - 1, (window + 1) * window_ms
    return decision
  end
  -- SlidingWindow::next_acceptance, with SlidingWindow::first_offset_below: the smallest offset
  -- into a window at which floor(prev × (window − offset) / window) < budget, or nil when none
  -- in the window is. Defined here, not beside the check, so that only a refusal pays for it.
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
  decision.success, decision.remaining, decision.reset = false, 0, reset
  return decision
end
