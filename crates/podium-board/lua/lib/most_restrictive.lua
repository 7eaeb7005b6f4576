-- RateLimitResult::most_restrictive of podium-core (`ratelimit/result.rs`), folded over the
-- decisions in order: a refusal that lasts longest, else the success with the fewest requests
-- left; on a tie the earlier. Returns the decision and its 1-based place (nil, nil for none),
-- so a refusal can say whose limit it was.
local function most_restrictive(decisions)
  local chosen, chosen_at
  for i, d in ipairs(decisions) do
    if not chosen
      or (chosen.success and not d.success)
      or (not chosen.success and not d.success and d.reset > chosen.reset)
      or (chosen.success and d.success and d.remaining < chosen.remaining) then
      chosen, chosen_at = d, i
    end
  end
  return chosen, chosen_at
end
