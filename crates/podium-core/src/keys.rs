//! Every Redis key Podium uses, one function per key.
//!
//! All keys of a board start with the hash tag `{podium:<board>}`, so a Valkey or Redis cluster
//! stores them in one slot and a single Lua script may touch all of them. Board ids cannot
//! contain `{` or `}` (see [`BoardId`]), so the tag cannot be broken. The ended sessions, which
//! belong to no board, have a tag of their own.
//!
//! Player ids may contain `:`, so a key puts the player id last, or right before a final
//! integer, which keeps every key unambiguous.

use crate::period::Period;
use crate::ratelimit::RateLimitSubject;
use crate::validate::BoardId;

/// `{podium:<board>}`: the cluster hash tag shared by every key of a board.
pub fn hash_tag(board: &BoardId) -> String {
    board_key(board, &[])
}

/// The hash tag, then each of `parts` after a `:`. Built by hand rather than with `format!` (and a
/// nested `hash_tag`): a score write makes four of these keys, on the Worker's busiest path.
fn board_key(board: &BoardId, parts: &[&str]) -> String {
    const TAG: &str = "{podium:";
    let len =
        TAG.len() + board.as_str().len() + 1 + parts.iter().map(|p| p.len() + 1).sum::<usize>();
    let mut key = String::with_capacity(len);
    key.push_str(TAG);
    key.push_str(board.as_str());
    key.push('}');
    for part in parts {
        key.push(':');
        key.push_str(part);
    }
    key
}

/// The sorted set of one period: member = tie-break prefix and player (see
/// [`tiebreak`](crate::tiebreak)), score = the exact integer score.
/// `{podium:global}:scores:daily:2026-11-26`.
pub fn scores(board: &BoardId, period: &Period) -> String {
    board_key(board, &["scores", period.kind().as_str(), period.id()])
}

/// The hash player → current sorted-set member of one period, so a write finds the member it
/// replaces. It lives and expires with [`scores`] of the same period.
pub fn members(board: &BoardId, period: &Period) -> String {
    board_key(board, &["members", period.kind().as_str(), period.id()])
}

/// The hash player → display name, shared by all periods of a board.
pub fn names(board: &BoardId) -> String {
    board_key(board, &["names"])
}

/// The counter (INCR) whose values order a board's score arrivals for tie-breaks.
pub fn sequence(board: &BoardId) -> String {
    board_key(board, &["seq"])
}

/// The sliding-window counter of one subject for one fixed window. The window length is part of
/// the key, so changing a board's configuration never mixes counters of different windows.
/// `{podium:global}:rl:sw:10000:player:alice:179500000`.
pub fn sliding_window(
    board: &BoardId,
    subject: &RateLimitSubject<'_>,
    window_ms: i64,
    window_index: i64,
) -> String {
    format!(
        "{}:rl:sw:{window_ms}:{}:{window_index}",
        hash_tag(board),
        subject.key_part()
    )
}

/// The token-bucket state (a hash) of one subject. `{podium:global}:rl:tb:ip:203.0.113.7`.
pub fn token_bucket(board: &BoardId, subject: &RateLimitSubject<'_>) -> String {
    format!("{}:rl:tb:{}", hash_tag(board), subject.key_part())
}

/// The sorted set of ended sessions: member = the token id, score = the token's expiry (Unix
/// ms), so entries are trimmed once the token would be refused anyway. `{podium}:sessions:ended`:
/// its own hash tag, which no board's can equal (a board id is never empty).
///
/// Sessions are signed tokens, not keys (`crate::session`): this is the only session state
/// Redis holds, and the write script never reads it.
pub fn ended_sessions() -> &'static str {
    "{podium}:sessions:ended"
}

/// The hash tag of the board registry. Board tags all start `{podium:`, so no board id can
/// share this slot's keys.
const REGISTRY_TAG: &str = "{podium-registry}";

/// The registry's hash: board id → `<version> <entry JSON>`.
pub fn registry_boards() -> String {
    format!("{REGISTRY_TAG}:boards")
}

/// The registry's sorted set of board ids, every score 0, listed in id order by `ZRANGEBYLEX`.
pub fn registry_ids() -> String {
    format!("{REGISTRY_TAG}:ids")
}

/// The registry's version counter: every change increments it, and the new value is the
/// changed board's version. Isolates poll it to know when their copy is stale.
pub fn registry_version() -> String {
    format!("{REGISTRY_TAG}:version")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::PeriodKind;
    use crate::ratelimit::ClientAddress;
    use crate::validate::PlayerId;
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    fn board(id: &str) -> BoardId {
        BoardId::try_from(id).unwrap()
    }

    fn daily() -> Period {
        Period::containing_date(PeriodKind::Daily, &TimeZone::UTC, date(2026, 11, 26)).unwrap()
    }

    /// The part of a key that Redis Cluster hashes: between the first `{` and the next `}`,
    /// when that is non-empty.
    fn cluster_hash_part(key: &str) -> &str {
        if let Some(open) = key.find('{')
            && let Some(length) = key[open + 1..].find('}')
            && length > 0
        {
            return &key[open + 1..open + 1 + length];
        }
        key
    }

    #[test]
    fn score_and_member_keys_name_the_period() {
        let global = board("global");
        assert_eq!(
            scores(&global, &daily()),
            "{podium:global}:scores:daily:2026-11-26"
        );
        assert_eq!(
            members(&global, &daily()),
            "{podium:global}:members:daily:2026-11-26"
        );
        assert_eq!(
            scores(&global, &Period::all_time()),
            "{podium:global}:scores:alltime:all"
        );
    }

    #[test]
    fn board_wide_keys() {
        let speedrun = board("speedrun");
        assert_eq!(hash_tag(&speedrun), "{podium:speedrun}");
        assert_eq!(names(&speedrun), "{podium:speedrun}:names");
        assert_eq!(sequence(&speedrun), "{podium:speedrun}:seq");
    }

    #[test]
    fn rate_limit_keys_name_the_subject_and_window() {
        let global = board("global");
        let alice = PlayerId::try_from("alice").unwrap();
        let player = RateLimitSubject::Player(&alice);
        let ip = RateLimitSubject::Address(ClientAddress::Ip("203.0.113.7".parse().unwrap()));
        assert_eq!(
            sliding_window(&global, &player, 10_000, 179_500_000),
            "{podium:global}:rl:sw:10000:player:alice:179500000"
        );
        assert_eq!(
            sliding_window(&global, &ip, 60_000, 7),
            "{podium:global}:rl:sw:60000:ip:203.0.113.7:7"
        );
        assert_eq!(
            token_bucket(&global, &player),
            "{podium:global}:rl:tb:player:alice"
        );
        assert_ne!(
            sliding_window(&global, &player, 10_000, 1),
            sliding_window(&global, &player, 10_000, 2)
        );
    }

    #[test]
    fn ended_sessions_share_no_board_slot() {
        assert_eq!(cluster_hash_part(ended_sessions()), "podium");
        assert_ne!(cluster_hash_part(ended_sessions()), hash_tag(&board("x")));
    }

    #[test]
    fn every_key_of_a_board_hashes_to_the_same_cluster_slot() {
        let global = board("global");
        let player = PlayerId::try_from("team:alice").unwrap();
        let subject = RateLimitSubject::Player(&player);
        let keys = [
            scores(&global, &daily()),
            members(&global, &Period::all_time()),
            names(&global),
            sequence(&global),
            sliding_window(&global, &subject, 1_000, 5),
            token_bucket(
                &global,
                &RateLimitSubject::Address(ClientAddress::Ip("2001:db8::1".parse().unwrap())),
            ),
        ];
        for key in &keys {
            assert_eq!(cluster_hash_part(key), "podium:global", "{key}");
        }
        assert_eq!(cluster_hash_part(&names(&board("other"))), "podium:other");
        for key in [registry_boards(), registry_ids(), registry_version()] {
            assert_eq!(cluster_hash_part(&key), "podium-registry", "{key}");
        }
    }
}
