//! Tie-breaks: among equal scores, whoever reached the score first ranks first, exactly.
//!
//! # Design
//!
//! - The sorted-set **score is the exact integer score**. A double holds every integer within
//!   ±(2^53−1) exactly, so nothing is packed into it and no precision is lost; this is why
//!   scores are limited to that range (see [`MAX_SAFE_INTEGER`](crate::MAX_SAFE_INTEGER)).
//! - The **member is `<prefix>:<player>`**, where the prefix is 16 lowercase hex digits derived
//!   from `seq`, the value of the board's arrival counter ([`keys::sequence`], an `INCR` inside
//!   the write script, so arrivals are totally ordered even within one millisecond and
//!   regardless of edge clocks). Redis orders equal scores by member, byte by byte, and
//!   fixed-width lowercase hex compares like the number it encodes.
//! - Higher-is-better boards are read with `ZREVRANGE`/`ZREVRANK`, which order ties in
//!   *reverse* member order, so the prefix is `u64::MAX − seq`: the earlier arrival has the
//!   larger prefix and comes first. Lower-is-better boards are read with `ZRANGE`/`ZRANK`, and
//!   the prefix is `seq` itself.
//! - The member changes only when the stored score changes: a `best` write that does not beat
//!   the stored score, or a `latest` write of the same score, keeps the old member and so the
//!   old arrival. Under `sum` every increment reaches a new total and takes a new `seq`, so among
//!   equal totals the player who reached that total first ranks first. The period's
//!   [`keys::members`] hash maps player → current member so the script can `ZREM` the old one.
//!
//! # Limits
//!
//! - `seq` is produced and formatted in Lua, whose numbers are doubles: it must stay below 2^53
//!   ([`MAX_SEQUENCE`]), i.e. 2^53 writes per board, 285 years at a million writes a second.
//!   Lua cannot compute `u64::MAX − seq` in doubles, but in hex it is the digit-wise complement
//!   of `seq` (`0`↔`f`, `1`↔`e`, …): the script formats `seq` with `%016x` and maps the digits.
//! - Under `sum`, the total must stay within ±(2^53−1) too: the script refuses an increment that
//!   would leave that range, since `ZINCRBY` would silently round.
//! - Arrival order is the order in which writes reached Redis, not the client's claimed time.
//! - Members are 17 bytes longer than the player id; ranks and scores are unaffected.

use crate::board::Order;
use crate::validate::PlayerId;

#[cfg(doc)]
use crate::keys;

/// Hex digits in a member's prefix.
pub const PREFIX_HEX_DIGITS: usize = 16;
/// Largest arrival number the Lua script formats exactly.
pub const MAX_SEQUENCE: u64 = (1 << 53) - 1;

/// The prefix for arrival `seq` on a board of `order`.
pub fn prefix(order: Order, seq: u64) -> String {
    let encoded = match order {
        Order::Higher => u64::MAX - seq,
        Order::Lower => seq,
    };
    format!("{encoded:016x}")
}

/// The sorted-set member of `player` for arrival `seq`.
pub fn member(order: Order, seq: u64, player: &PlayerId) -> String {
    format!("{}:{player}", prefix(order, seq))
}

/// The player id inside a member written by [`member`], or `None` if it is not one.
pub fn player_of(member: &str) -> Option<&str> {
    let (prefix, player) = member.split_at_checked(PREFIX_HEX_DIGITS)?;
    let player = player.strip_prefix(':')?;
    let well_formed = prefix
        .bytes()
        .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
    (well_formed && !player.is_empty()).then_some(player)
}

/// The arrival number inside a member written by [`member`] for a board of `order`.
pub fn sequence_of(order: Order, member: &str) -> Option<u64> {
    player_of(member)?;
    let encoded = u64::from_str_radix(&member[..PREFIX_HEX_DIGITS], 16).ok()?;
    Some(match order {
        Order::Higher => u64::MAX - encoded,
        Order::Lower => encoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::MAX_SAFE_INTEGER;

    fn player(id: &str) -> PlayerId {
        PlayerId::try_from(id).unwrap()
    }

    /// Orders `(score, member)` entries as a board of `order` is read: `ZRANGE` (score, then
    /// member bytes, ascending) for lower-is-better, `ZREVRANGE` (both descending) for
    /// higher-is-better. Scores go through `f64`, as Redis stores them.
    fn redis_read_order(order: Order, entries: &[(i64, String)]) -> Vec<String> {
        let mut sorted: Vec<(f64, &str)> = entries
            .iter()
            .map(|(score, member)| (*score as f64, member.as_str()))
            .collect();
        sorted.sort_by(|a, b| {
            a.0.partial_cmp(&b.0)
                .unwrap()
                .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
        });
        if order == Order::Higher {
            sorted.reverse();
        }
        sorted
            .into_iter()
            .map(|(_, member)| player_of(member).unwrap().to_owned())
            .collect()
    }

    #[test]
    fn members_round_trip() {
        let alice = player("team:alice");
        for order in [Order::Higher, Order::Lower] {
            let member = member(order, 42, &alice);
            assert_eq!(member.len(), PREFIX_HEX_DIGITS + 1 + alice.as_str().len());
            assert_eq!(player_of(&member), Some("team:alice"));
            assert_eq!(sequence_of(order, &member), Some(42));
        }
        assert_eq!(
            member(Order::Lower, 1, &alice),
            "0000000000000001:team:alice"
        );
        assert_eq!(
            member(Order::Higher, 1, &alice),
            "fffffffffffffffe:team:alice"
        );
    }

    #[test]
    fn foreign_members_are_not_parsed() {
        for member in [
            "alice",
            "000000000000000:alice",
            "000000000000000G:alice",
            "0000000000000001:",
            "0000000000000001-alice",
            "000000000000000A:alice",
        ] {
            assert_eq!(player_of(member), None, "{member}");
        }
    }

    #[test]
    fn earlier_arrivals_rank_first_in_both_orders() {
        for order in [Order::Higher, Order::Lower] {
            // Arrivals: carol (seq 3), alice (seq 10), bob (seq 200) all at the same score;
            // dave better, erin worse.
            let (better, worse) = match order {
                Order::Higher => (600, 400),
                Order::Lower => (400, 600),
            };
            let entries = [
                (500, member(order, 200, &player("bob"))),
                (better, member(order, 300, &player("dave"))),
                (500, member(order, 10, &player("alice"))),
                (worse, member(order, 1, &player("erin"))),
                (500, member(order, 3, &player("carol"))),
            ];
            assert_eq!(
                redis_read_order(order, &entries),
                ["dave", "carol", "alice", "bob", "erin"],
                "{order:?}"
            );
        }
    }

    #[test]
    fn ties_break_exactly_at_the_extremes_of_the_score_range() {
        for order in [Order::Higher, Order::Lower] {
            for score in [MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER, MAX_SAFE_INTEGER - 1] {
                let entries = [
                    (score, member(order, MAX_SEQUENCE, &player("late"))),
                    (score, member(order, MAX_SEQUENCE - 1, &player("early"))),
                    (score - 1, member(order, 0, &player("lower"))),
                ];
                let ranked = redis_read_order(order, &entries);
                let expected = match order {
                    Order::Higher => ["early", "late", "lower"],
                    Order::Lower => ["lower", "early", "late"],
                };
                assert_eq!(ranked, expected, "{order:?} at {score}");
            }
        }
    }

    #[test]
    fn under_sum_the_first_to_reach_a_total_ranks_first() {
        // alice: 5 (seq 1) + 5 (seq 4) = 10; bob: 10 (seq 2); carol: 3 (seq 3) + 7 (seq 5) = 10.
        // Each increment replaces the member with one for the new arrival.
        let order = Order::Higher;
        let entries = [
            (10, member(order, 4, &player("alice"))),
            (10, member(order, 2, &player("bob"))),
            (10, member(order, 5, &player("carol"))),
        ];
        assert_eq!(redis_read_order(order, &entries), ["bob", "alice", "carol"]);
    }

    #[test]
    fn the_higher_prefix_is_the_hex_complement_that_lua_computes() {
        let complement = |hex: &str| -> String {
            hex.chars()
                .map(|digit| {
                    let value = digit.to_digit(16).unwrap();
                    char::from_digit(15 - value, 16).unwrap()
                })
                .collect()
        };
        for seq in [0, 1, 0xabc, MAX_SEQUENCE] {
            assert_eq!(
                prefix(Order::Higher, seq),
                complement(&prefix(Order::Lower, seq))
            );
        }
    }
}
