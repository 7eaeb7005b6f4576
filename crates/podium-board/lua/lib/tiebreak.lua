-- tiebreak::member of podium-core (`tiebreak.rs`): `<prefix>:<player>` with the arrival `seq`
-- as 16 hex digits, complemented on higher-is-better boards (u64::MAX − seq, which doubles
-- cannot compute but is the digit-wise complement 0↔f, 1↔e, …) so the earlier arrival ranks
-- first among equal scores.
local function tiebreak_member(higher, seq, player)
  local hex = string.format('%016x', seq)
  if higher then
    hex = string.gsub(hex, '%x', function(digit)
      return string.format('%x', 15 - tonumber(digit, 16))
    end)
  end
  return hex .. ':' .. player
end
