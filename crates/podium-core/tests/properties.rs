//! Property tests of the pure logic every request goes through: validation, score encoding and
//! tie-breaks, key naming and rate-limit decisions.
//!
//! The unit tests next to each module pin chosen examples; these check the rules over generated
//! inputs, including arbitrary text and JSON that no client should send, so that a rule that
//! holds only for the examples someone thought of fails here. `PROPTEST_CASES` raises the number
//! of cases (256 by default) for a longer run.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use jiff::civil::Date;
use podium_core::tiebreak::{self, MAX_SEQUENCE};
use podium_core::{
    BoardId, DisplayName, IdError, MAX_BOARD_ID_BYTES, MAX_DISPLAY_NAME_CHARS, MAX_PLAYER_ID_BYTES,
    MAX_SAFE_INTEGER, MIN_SAFE_INTEGER, Order, Period, PeriodKind, PlayerId, RateLimitSubject,
    Score, ScoreBounds, ScoreError, SlidingWindow, SlidingWindowState, TimeZone, TokenBucket,
    TokenBucketState, keys,
};
use proptest::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Generators.

/// Any score a board may store, with the extremes and zero drawn often.
fn safe_score() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER,
        1 => prop::sample::select(vec![MIN_SAFE_INTEGER, MIN_SAFE_INTEGER + 1, -1, 0, 1, MAX_SAFE_INTEGER - 1, MAX_SAFE_INTEGER]),
        1 => -1000i64..=1000,
    ]
}

/// Any arrival number the write script can produce, extremes included.
fn sequence() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0..=MAX_SEQUENCE,
        1 => prop::sample::select(vec![0, 1, MAX_SEQUENCE - 1, MAX_SEQUENCE]),
    ]
}

fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::Higher), Just(Order::Lower)]
}

fn player_id() -> impl Strategy<Value = PlayerId> {
    "[A-Za-z0-9_.:-]{1,64}"
        .prop_filter("not a dot-segment", |id| id != "." && id != "..")
        .prop_map(|id| PlayerId::try_from(id).expect("generated from the charset"))
}

fn board_id() -> impl Strategy<Value = BoardId> {
    "[A-Za-z0-9_.:-]{1,32}"
        .prop_filter("not a dot-segment", |id| id != "." && id != "..")
        .prop_map(|id| BoardId::try_from(id).expect("generated from the charset"))
}

/// Text that is mostly near the id charset, sometimes anything at all.
fn id_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.:-]{0,70}",
        "[A-Za-z0-9_.:{}/ %\u{0}-\u{1f}é🎮-]{0,70}",
        any::<String>(),
    ]
}

/// Any JSON value, nested a few levels deep, with numbers of every kind serde_json produces.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::hash_map("[a-z]{0,3}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Text shaped like a JSON number, valid or not: signs, zeros, fractions, exponents, junk.
fn number_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[-+]?[0-9]{1,25}",
        "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,5})?([eE][-+]?[0-9]{1,4})?",
        "[ \t\r\n]{0,2}-?0(\\.0+)?([eE][-+]?[0-9])?[ \t\r\n]{0,2}",
        "[-+]?(NaN|nan|Infinity|inf|INF|Inf)",
        "[0-9eE.+-]{0,12}",
        any::<String>(),
    ]
}

fn period() -> impl Strategy<Value = Period> {
    let date = (2000i16..=2100, 1i8..=12, 1i8..=28);
    prop_oneof![
        Just(Period::all_time()),
        (
            prop::sample::select(vec![
                PeriodKind::Daily,
                PeriodKind::Weekly,
                PeriodKind::Monthly
            ]),
            date
        )
            .prop_map(|(kind, (year, month, day))| {
                let date = Date::new(year, month, day).expect("a valid date");
                Period::containing_date(kind, &TimeZone::UTC, date).expect("a representable period")
            }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Oracles: the documented rules, written independently of the code under test.

fn id_is_valid(text: &str, max_bytes: usize) -> bool {
    !text.is_empty()
        && text != "."
        && text != ".."
        && text.len() <= max_bytes
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// U+2028 and U+2029, the only characters of Unicode's Zl and Zp.
fn is_line_separator(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}')
}

/// The documented rule for names: at least one character has a display width (the Hangul
/// choseong filler, which has one, shows nothing).
fn shows(c: char) -> bool {
    c != '\u{115F}' && unicode_width::UnicodeWidthChar::width(c).is_some_and(|width| width > 0)
}

/// Embeddings, overrides and isolates: U+202A–202E and U+2066–2069.
fn is_bidi_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Redis's read order of `(score, member)` entries: `ZRANGE` sorts by score then member bytes;
/// `ZREVRANGE` (higher-is-better boards) is the exact reverse. Scores are doubles in Redis.
fn redis_compare(order: Order, a: (i64, &str), b: (i64, &str)) -> Ordering {
    let ascending = (a.0 as f64)
        .total_cmp(&(b.0 as f64))
        .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()));
    match order {
        Order::Lower => ascending,
        Order::Higher => ascending.reverse(),
    }
}

/// The ranking Podium promises: the better score first, and among equal scores the earlier
/// arrival.
fn intended_compare(order: Order, a: (i64, u64), b: (i64, u64)) -> Ordering {
    let by_score = match order {
        Order::Higher => b.0.cmp(&a.0),
        Order::Lower => a.0.cmp(&b.0),
    };
    by_score.then(a.1.cmp(&b.1))
}

/// The part of a key that Redis Cluster hashes (the first non-empty `{…}`), else the whole key.
fn cluster_hash_part(key: &str) -> &str {
    if let Some(open) = key.find('{')
        && let Some(length) = key[open + 1..].find('}')
        && length > 0
    {
        return &key[open + 1..open + 1 + length];
    }
    key
}

// ---------------------------------------------------------------------------------------------
// Validation.

proptest! {
    #[test]
    fn ids_are_accepted_exactly_when_the_documented_rule_says(text in id_like_text()) {
        let player = PlayerId::try_from(text.as_str());
        prop_assert_eq!(player.is_ok(), id_is_valid(&text, MAX_PLAYER_ID_BYTES), "{:?}", text);
        if let Ok(player) = player {
            prop_assert_eq!(player.as_str(), text.as_str());
            let json = serde_json::to_string(&player).expect("serialises");
            prop_assert_eq!(serde_json::from_str::<PlayerId>(&json).expect("reads back"), player);
        }
        let board = BoardId::try_from(text.as_str());
        prop_assert_eq!(board.is_ok(), id_is_valid(&text, MAX_BOARD_ID_BYTES), "{:?}", text);
        if let Err(error) = board {
            let expected_empty = text.is_empty();
            prop_assert_eq!(matches!(error.0, IdError::Empty), expected_empty);
        }
    }

    #[test]
    fn names_are_trimmed_bounded_printable_and_stable(text in any::<String>()) {
        if let Ok(name) = DisplayName::try_from(text.as_str()) {
            let name = name.as_str();
            prop_assert_eq!(name, text.trim());
            let chars = name.chars().count();
            prop_assert!((1..=MAX_DISPLAY_NAME_CHARS).contains(&chars), "{} chars", chars);
            prop_assert!(!name.chars().any(char::is_control));
            prop_assert!(!name.chars().any(is_bidi_override));
            prop_assert!(!name.chars().any(is_line_separator));
            prop_assert!(name.chars().any(shows), "nothing visible in {:?}", name);
            // Validating an accepted name again changes nothing.
            let again = DisplayName::try_from(name).expect("still valid");
            prop_assert_eq!(again.as_str(), name);
        } else {
            let trimmed = text.trim();
            prop_assert!(
                trimmed.is_empty()
                    || trimmed.chars().count() > MAX_DISPLAY_NAME_CHARS
                    || trimmed.chars().any(|c| c.is_control() || is_bidi_override(c) || is_line_separator(c))
                    || !trimmed.chars().any(shows),
                "refused for no documented reason: {:?}", text
            );
        }
    }

    #[test]
    fn every_safe_integer_is_a_score_and_round_trips(score in safe_score()) {
        let parsed = Score::try_from(score).expect("within range");
        prop_assert_eq!(parsed.get(), score);
        // As raw JSON text, as a JSON value, and back out as JSON.
        prop_assert_eq!(score.to_string().parse::<Score>(), Ok(parsed));
        prop_assert_eq!(Score::try_from(&Value::from(score)), Ok(parsed));
        prop_assert_eq!(serde_json::to_string(&parsed).expect("serialises"), score.to_string());
        // A double, as Redis and Lua store it, holds it exactly.
        prop_assert_eq!((score as f64) as i64, score);
    }

    #[test]
    fn integers_beyond_the_safe_range_are_out_of_range(
        magnitude in (MAX_SAFE_INTEGER as u64 + 1)..=u64::MAX,
        negative in any::<bool>(),
    ) {
        let text = if negative { format!("-{magnitude}") } else { magnitude.to_string() };
        prop_assert_eq!(text.parse::<Score>(), Err(ScoreError::Overflow), "{}", text);
        if let Ok(value) = i64::try_from(magnitude) {
            let value = if negative { -value } else { value };
            prop_assert_eq!(Score::try_from(value), Err(ScoreError::Overflow));
        }
    }

    #[test]
    fn score_text_is_accepted_only_as_a_plain_safe_integer(text in number_like_text()) {
        // Never panics; accepts exactly the JSON integers (no sign other than `-`, no leading
        // zeros, no fraction or exponent) within the safe range, surrounded by JSON whitespace.
        let result = text.parse::<Score>();
        let plain = text.trim_matches([' ', '\t', '\n', '\r']);
        let digits = plain.strip_prefix('-').unwrap_or(plain);
        let is_json_integer = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let expected = plain
            .parse::<i64>()
            .ok()
            .filter(|n| is_json_integer && (MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(n))
            // `-0` is refused on purpose: it is not an integer a client means to send.
            .filter(|_| plain != "-0");
        match (result, expected) {
            (Ok(score), Some(n)) => prop_assert_eq!(score.get(), n),
            (Err(_), None) => {}
            (result, expected) => prop_assert!(false, "{:?}: got {:?}, expected {:?}", text, result, expected),
        }
    }

    #[test]
    fn negative_zero_is_refused_in_every_spelling(
        fraction in "(\\.0{1,4})?",
        exponent in "([eE][-+]?[0-9]{1,2})?",
    ) {
        let text = format!("-0{fraction}{exponent}");
        prop_assert_eq!(text.parse::<Score>(), Err(ScoreError::NegativeZero), "{}", text);
    }

    #[test]
    fn any_json_value_is_judged_without_panicking(value in json_value()) {
        let expected = value
            .as_i64()
            .filter(|n| (MIN_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(n));
        match Score::try_from(&value) {
            Ok(score) => prop_assert_eq!(Some(score.get()), expected, "{}", value),
            Err(error) => {
                prop_assert_eq!(expected, None, "{}", value);
                // Only a number can be out of range; other kinds are invalid, not overflowing.
                if error.is_out_of_range() {
                    prop_assert!(value.is_number(), "{}", value);
                }
            }
        }
        // The same value sent as text is judged the same way.
        let text = value.to_string();
        prop_assert_eq!(text.parse::<Score>().ok(), Score::try_from(&value).ok(), "{}", text);
    }

    #[test]
    fn board_bounds_accept_exactly_the_scores_between_them(
        a in safe_score(),
        b in safe_score(),
        score in safe_score(),
    ) {
        let (min, max) = (a.min(b), a.max(b));
        let bounds = ScoreBounds::new(Score::try_from(min).expect("safe"), Score::try_from(max).expect("safe"));
        if min == max {
            prop_assert!(bounds.is_err());
            return Ok(());
        }
        let bounds = bounds.expect("min < max");
        let checked = bounds.check(Score::try_from(score).expect("safe"));
        prop_assert_eq!(checked.is_ok(), (min..=max).contains(&score));
        if let Err(error) = checked {
            prop_assert!(error.is_out_of_range());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Score encoding and tie-breaks.

proptest! {
    #[test]
    fn redis_order_matches_the_intended_ranking(
        order in order(),
        a in (safe_score(), sequence(), player_id()),
        b in (safe_score(), sequence(), player_id()),
    ) {
        // Arrival numbers are unique per board.
        prop_assume!(a.1 != b.1);
        let member_a = tiebreak::member(order, a.1, &a.2);
        let member_b = tiebreak::member(order, b.1, &b.2);
        prop_assert_eq!(
            redis_compare(order, (a.0, &member_a), (b.0, &member_b)),
            intended_compare(order, (a.0, a.1), (b.0, b.1)),
            "{:?}: {} {} vs {} {}", order, a.0, member_a, b.0, member_b
        );
    }

    #[test]
    fn members_decode_to_what_was_encoded(order in order(), seq in sequence(), player in player_id()) {
        let member = tiebreak::member(order, seq, &player);
        prop_assert_eq!(tiebreak::player_of(&member), Some(player.as_str()));
        prop_assert_eq!(tiebreak::sequence_of(order, &member), Some(seq));
        prop_assert_eq!(member.len(), tiebreak::PREFIX_HEX_DIGITS + 1 + player.as_str().len());
    }

    #[test]
    fn foreign_members_never_panic(member in any::<String>(), order in order()) {
        if let Some(player) = tiebreak::player_of(&member) {
            prop_assert!(member.ends_with(player));
            prop_assert!(tiebreak::sequence_of(order, &member).is_some());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Key naming.

/// Every key Podium derives from one (board, period, player, address, window), and the one
/// that depends on none of them.
fn all_keys(
    board: &BoardId,
    period: &Period,
    player: &PlayerId,
    ip: IpAddr,
    window: (i64, i64),
) -> Vec<String> {
    let by_player = RateLimitSubject::Player(player);
    let by_ip = RateLimitSubject::Address(ip.into());
    vec![
        keys::scores(board, period),
        keys::members(board, period),
        keys::names(board),
        keys::sequence(board),
        keys::sliding_window(board, &by_player, window.0, window.1),
        keys::sliding_window(board, &by_ip, window.0, window.1),
        keys::token_bucket(board, &by_player),
        keys::token_bucket(board, &by_ip),
        keys::ended_sessions().to_owned(),
    ]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

proptest! {
    #[test]
    fn every_key_carries_its_boards_hash_tag(
        board in board_id(),
        period in period(),
        player in player_id(),
        ip in ip(),
        window in (1i64..=604_800_000, 0i64..=i64::MAX / 604_800_000),
    ) {
        let tag = format!("podium:{board}");
        let keys = all_keys(&board, &period, &player, ip, window);
        let (ended_sessions, board_keys) = keys.split_last().expect("keys");
        for key in board_keys {
            prop_assert_eq!(cluster_hash_part(key), tag.as_str(), "{}", key);
        }
        // The ended sessions are no board's: their slot is another.
        prop_assert_ne!(cluster_hash_part(ended_sessions), tag.as_str());
    }

    #[test]
    fn distinct_inputs_never_share_a_key(
        a in (board_id(), period(), player_id(), ip(), (1i64..=5000, 0i64..=5000)),
        b in (board_id(), period(), player_id(), ip(), (1i64..=5000, 0i64..=5000)),
    ) {
        let keys_a = all_keys(&a.0, &a.1, &a.2, a.3, a.4);
        let keys_b = all_keys(&b.0, &b.1, &b.2, b.3, b.4);
        // Within one input set, the nine keys are nine different keys.
        prop_assert_eq!(keys_a.iter().collect::<HashSet<_>>().len(), keys_a.len(), "{:?}", keys_a);
        // Across two, the same kind of key is equal only when what it depends on is equal.
        let same_board = a.0 == b.0;
        let same_period = same_board && a.1 == b.1;
        let subject_a = RateLimitSubject::Player(&a.2).key_part();
        let subject_b = RateLimitSubject::Player(&b.2).key_part();
        let ip_a = RateLimitSubject::Address(a.3.into()).key_part();
        let ip_b = RateLimitSubject::Address(b.3.into()).key_part();
        let depends_equal = [
            same_period,
            same_period,
            same_board,
            same_board,
            same_board && a.2 == b.2 && a.4 == b.4,
            same_board && ip_a == ip_b && a.4 == b.4,
            same_board && subject_a == subject_b,
            same_board && ip_a == ip_b,
            true,
        ];
        for (i, equal) in depends_equal.into_iter().enumerate() {
            prop_assert_eq!(keys_a[i] == keys_b[i], equal, "{} vs {}", keys_a[i], keys_b[i]);
        }
        // And a key of one kind is never a key of another kind.
        for (i, key) in keys_a.iter().enumerate() {
            for (j, other) in keys_b.iter().enumerate() {
                if i != j {
                    prop_assert_ne!(key, other);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rate-limit decisions.

proptest! {
    /// Replays requests against a sliding window the way the write script keeps its counters
    /// (one per fixed window), and checks the promises: never more than `limit` accepted within
    /// one fixed window, `remaining` never above the limit, and a refusal's `reset` is in the
    /// future and is when a request would be accepted again.
    #[test]
    fn sliding_windows_keep_their_limit_and_their_reset(
        limit in 1u32..=20,
        window_ms in 1i64..=10_000,
        start in 0i64..=1_000_000_000_000,
        gaps in prop::collection::vec(0i64..=3_000, 1..200),
    ) {
        let limiter = SlidingWindow::new(limit, window_ms).expect("valid");
        let mut counters: HashMap<i64, u64> = HashMap::new();
        let state_at = |counters: &HashMap<i64, u64>, now: i64| {
            let window = limiter.window_index(now);
            SlidingWindowState {
                previous: counters.get(&(window - 1)).copied().unwrap_or(0),
                current: counters.get(&window).copied().unwrap_or(0),
            }
        };
        let mut now = start;
        for gap in gaps {
            now += gap;
            let decision = limiter.check(state_at(&counters, now), now);
            prop_assert!(decision.result.remaining <= limit);
            if decision.result.success {
                *counters.entry(decision.window).or_default() += 1;
                prop_assert!(counters[&decision.window] <= u64::from(limit));
            } else {
                let reset = decision.result.reset;
                prop_assert!(reset > now, "reset {} not after {}", reset, now);
                let later = limiter.peek(state_at(&counters, reset), reset);
                prop_assert!(later.result.success, "still refused at reset {}", reset);
                if reset > now + 1 {
                    let early = limiter.peek(state_at(&counters, reset - 1), reset - 1);
                    prop_assert!(!early.result.success, "accepted before reset {}", reset);
                }
            }
        }
    }

    /// A token bucket never lets more through than its capacity plus what it refilled, and never
    /// panics on whatever state is stored (a limit may have been lowered since it was written).
    #[test]
    fn token_buckets_spend_what_they_hold(
        capacity in 1u32..=20,
        refill_amount in 1u32..=5,
        refill_interval_ms in 1i64..=5_000,
        stored in prop::option::of((0u32..=40, 0i64..=20_000)),
        gaps in prop::collection::vec(0i64..=2_000, 1..200),
    ) {
        let bucket = TokenBucket::new(capacity, refill_amount, refill_interval_ms).expect("valid");
        let start = 1_000_000;
        let mut state = stored.map(|(tokens, ago)| TokenBucketState { tokens, refilled_at_ms: start - ago });
        let mut now = start;
        let mut accepted = 0u64;
        for gap in gaps {
            now += gap;
            let decision = bucket.check(state, now);
            prop_assert!(decision.result.remaining <= capacity, "{:?}", decision);
            prop_assert!(decision.expire_after_ms >= 0);
            if decision.result.success {
                accepted += 1;
            } else {
                prop_assert!(decision.result.reset > now);
                let later = bucket.peek(Some(decision.state), decision.result.reset);
                prop_assert!(later.result.success);
            }
            state = Some(decision.state);
        }
        let refills = (now - start) as u64 / refill_interval_ms as u64 + 1;
        prop_assert!(accepted <= u64::from(capacity) + refills * u64::from(refill_amount));
    }
}
