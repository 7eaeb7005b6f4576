//! The widget's pure logic, without a browser: options and their URLs, the API's JSON shapes,
//! rank movement between polls, backoff with jitter and the reset countdown. Compiled natively
//! too, so `cargo test` covers it.

use std::collections::HashMap;

use podium_wire::{Operation, Query};
use serde::Deserialize;

/// The default poll interval (`interval` attribute, in seconds).
pub const DEFAULT_INTERVAL_MS: u32 = 2_000;
/// The fastest poll the widget allows (tests poll this fast; pages should not).
pub const MIN_INTERVAL_MS: u32 = 50;
/// The longest wait between retries after errors.
pub const MAX_BACKOFF_MS: u32 = 60_000;
/// Rows shown when `limit` is absent or unreadable.
pub const DEFAULT_LIMIT: u32 = 10;
/// The API's own bound on `limit`.
pub const MAX_LIMIT: u32 = podium_wire::MAX_PAGE_SIZE as u32;
/// Neighbours shown on each side of the viewer's pinned row.
pub const AROUND_RADIUS: u32 = 1;

/// What a widget shows: the element's attributes, or the options object of `mount`.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Base URL of the Podium API, e.g. `https://scores.example.com`.
    pub endpoint: String,
    /// Board id.
    pub board: String,
    /// Rows in the list (1..=100).
    pub limit: u32,
    /// Period name (`alltime`, `daily`, …); `None` is the board's first period.
    pub period: Option<String>,
    /// The viewer's player id: highlighted, and pinned below the list when outside it.
    pub player: Option<String>,
    /// Milliseconds between polls.
    pub interval_ms: u32,
    /// Heading; `None` uses the board's title.
    pub title: Option<String>,
    /// BCP 47 locale for numbers; `None` is the browser's.
    pub locale: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            endpoint: String::new(),
            board: String::new(),
            limit: DEFAULT_LIMIT,
            period: None,
            player: None,
            interval_ms: DEFAULT_INTERVAL_MS,
            title: None,
            locale: None,
        }
    }
}

/// One option as given by the page: absent keys keep their value, `null` (or a removed
/// attribute) restores the default.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    Keep,
    Reset,
    Set(String),
}

impl Options {
    /// Applies one setting by its attribute name; unknown names are ignored.
    pub fn apply(&mut self, name: &str, setting: Setting) {
        let value = match setting {
            Setting::Keep => return,
            Setting::Reset => None,
            Setting::Set(value) => Some(value.trim().to_owned()),
        };
        let text = || value.clone().filter(|v| !v.is_empty());
        match name {
            "endpoint" => self.endpoint = text().unwrap_or_default(),
            "board" => self.board = text().unwrap_or_default(),
            "limit" => self.limit = parse_limit(value.as_deref()),
            "period" => self.period = text(),
            "player" => self.player = text(),
            "interval" => self.interval_ms = parse_interval(value.as_deref()),
            "title" => self.title = text(),
            "locale" => self.locale = text(),
            _ => {}
        }
    }

    /// Whether there is something to fetch.
    pub fn is_complete(&self) -> bool {
        !self.endpoint.is_empty() && !self.board.is_empty()
    }

    fn base(&self) -> &str {
        self.endpoint.trim_end_matches('/')
    }

    /// `GET /v1/boards/{board}/top?limit=&period=`.
    pub fn top_url(&self) -> String {
        let mut url = self.url(Operation::Top, "");
        push_query(&mut url, Query::Limit, &self.limit.to_string());
        if let Some(period) = &self.period {
            push_query(&mut url, Query::Period, period);
        }
        url
    }

    /// The page after a page's `next` cursor: `top?limit=&period=&after=`.
    pub fn after_url(&self, cursor: &str) -> String {
        let mut url = self.top_url();
        push_query(&mut url, Query::After, cursor);
        url
    }

    /// `GET /v1/boards/{board}/players/{player}/around?radius=&period=`, when there is a viewer.
    pub fn around_url(&self) -> Option<String> {
        let player = self.player.as_ref()?;
        let mut url = self.url(Operation::Around, player);
        push_query(&mut url, Query::Radius, &AROUND_RADIUS.to_string());
        if let Some(period) = &self.period {
            push_query(&mut url, Query::Period, period);
        }
        Some(url)
    }

    /// `GET /v1/boards`.
    pub fn boards_url(&self) -> String {
        self.url(Operation::ListBoards, "")
    }

    /// `operation`'s URL for this widget's board and `player`, from the API's own table.
    fn url(&self, operation: Operation, player: &str) -> String {
        format!(
            "{}{}",
            self.base(),
            operation.path(&encode(&self.board), &encode(player))
        )
    }
}

/// Appends `name=value` (encoded) to a URL, after `?` or `&`.
fn push_query(url: &mut String, query: Query, value: &str) {
    url.push(if url.contains('?') { '&' } else { '?' });
    url.push_str(query.name());
    url.push('=');
    url.push_str(&encode(value));
}

/// `limit`: 1..=100, the default when unreadable.
pub fn parse_limit(value: Option<&str>) -> u32 {
    value
        .and_then(|v| v.trim().parse::<u32>().ok())
        .map_or(DEFAULT_LIMIT, |n| n.clamp(1, MAX_LIMIT))
}

/// The longest poll interval (`interval` attribute): one hour.
pub const MAX_INTERVAL_MS: u32 = 3_600_000;

/// `interval`: seconds (fractions allowed), at least [`MIN_INTERVAL_MS`].
pub fn parse_interval(value: Option<&str>) -> u32 {
    value
        .and_then(|v| seconds_to_ms(v.trim()))
        .map_or(DEFAULT_INTERVAL_MS, |ms| {
            ms.clamp(MIN_INTERVAL_MS, MAX_INTERVAL_MS)
        })
}

/// `"1"`, `"0.5"`, `".25"` as whole milliseconds (digits past the third decimal dropped); `None`
/// for zero or anything else. By hand rather than `str::parse::<f64>`, whose tables cost the
/// widget's wasm ~10 KB gzip.
fn seconds_to_ms(text: &str) -> Option<u32> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = whole.bytes().chain(fraction.bytes());
    if whole.len() + fraction.len() == 0 || !digits.clone().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut ms: u64 = 0;
    for b in whole.bytes() {
        ms = (ms * 10 + u64::from(b - b'0')).min(u64::from(u32::MAX));
    }
    ms *= 1000;
    let mut scale = 100;
    for b in fraction.bytes().take(3) {
        ms += u64::from(b - b'0') * scale;
        scale /= 10;
    }
    let positive = ms > 0 || digits.clone().any(|b| b != b'0');
    positive.then(|| ms.min(u64::from(u32::MAX)) as u32)
}

/// Percent-encodes everything but RFC 3986's unreserved characters (path segments, query values).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A top-N or around answer.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BoardPage {
    pub board: String,
    pub period: PeriodRef,
    pub resets_at: Option<f64>,
    #[serde(default)]
    pub total: u64,
    pub entries: Vec<Entry>,
    /// The cursor of the rows after these; `None` on the last page.
    #[serde(default)]
    pub next: Option<String>,
    /// `around` only: `Some(false)` when the viewer has no score (the entries are the top).
    #[serde(default)]
    pub ranked: Option<bool>,
}

/// The period a page is for.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PeriodRef {
    pub period: String,
    pub id: String,
}

/// One ranked player.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Entry {
    pub rank: u64,
    pub player: String,
    #[serde(default)]
    pub name: Option<String>,
    pub score: f64,
}

/// `GET /v1/boards`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BoardList {
    pub boards: Vec<BoardInfo>,
}

/// One configured board.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BoardInfo {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub periods: Vec<PeriodInfo>,
}

/// One of a board's periods, with its next reset (Unix ms; none for all-time).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PeriodInfo {
    pub period: String,
    #[serde(default)]
    pub resets_at: Option<f64>,
}

/// How a player's rank changed since the widget last saw them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Movement {
    Same,
    Up(u64),
    Down(u64),
    /// Not seen before on this board (never on the first load).
    New,
}

/// Ranks last seen per player, on one board and period.
#[derive(Clone, Debug, Default)]
pub struct RankMemory {
    ranks: HashMap<String, u64>,
}

impl RankMemory {
    /// The movement of each entry against what was seen before, then remembers these ranks.
    pub fn observe(&mut self, entries: &[Entry]) -> Vec<Movement> {
        let first_load = self.ranks.is_empty();
        let movements = entries
            .iter()
            .map(|entry| match self.ranks.get(&entry.player) {
                None if first_load => Movement::Same,
                None => Movement::New,
                Some(&before) if before > entry.rank => Movement::Up(before - entry.rank),
                Some(&before) if before < entry.rank => Movement::Down(entry.rank - before),
                Some(_) => Movement::Same,
            })
            .collect();
        for entry in entries {
            self.ranks.insert(entry.player.clone(), entry.rank);
        }
        movements
    }

    pub fn clear(&mut self) {
        self.ranks.clear();
    }
}

/// The wait before retry number `failures` (1-based): the interval doubled per failure up to
/// [`MAX_BACKOFF_MS`], then scaled by `jitter` (0..1) into its upper half so clients spread out.
pub fn backoff_ms(interval_ms: u32, failures: u32, jitter: f64) -> u32 {
    let doubled = u64::from(interval_ms.max(MIN_INTERVAL_MS)) << failures.min(16);
    let ceiling = doubled.min(u64::from(MAX_BACKOFF_MS)) as f64;
    (ceiling * (0.5 + 0.5 * jitter.clamp(0.0, 1.0))) as u32
}

/// "2d 3h", "3h 12m", "12m 05s", "9s": the time left until a reset.
pub fn countdown(ms_left: f64) -> String {
    let secs = (ms_left.max(0.0) / 1000.0).ceil() as u64;
    let (days, hours, minutes, seconds) =
        (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}

/// A readable period name for a tab.
pub fn period_label(period: &str) -> String {
    match period {
        "alltime" => "All time".into(),
        "daily" => "Today".into(),
        "weekly" => "This week".into(),
        "monthly" => "This month".into(),
        other => {
            // ASCII only: Unicode case tables would add ~10 KB to the wasm for period ids.
            let mut label = other.to_owned();
            if let Some(first) = label.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            label
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(rank: u64, player: &str) -> Entry {
        Entry {
            rank,
            player: player.into(),
            name: None,
            score: 0.0,
        }
    }

    #[test]
    fn options_apply_keeps_resets_and_sets() {
        let mut options = Options::default();
        options.apply("endpoint", Setting::Set("http://x/".into()));
        options.apply("board", Setting::Set("global".into()));
        options.apply("limit", Setting::Set("500".into()));
        options.apply("interval", Setting::Set("0.5".into()));
        options.apply("player", Setting::Set("a b".into()));
        assert_eq!(options.limit, MAX_LIMIT);
        assert_eq!(options.interval_ms, 500);
        options.apply("limit", Setting::Keep);
        assert_eq!(options.limit, MAX_LIMIT);
        options.apply("limit", Setting::Reset);
        assert_eq!(options.limit, DEFAULT_LIMIT);
        assert_eq!(options.top_url(), "http://x/v1/boards/global/top?limit=10");
        assert_eq!(
            options.after_url("a_b-1"),
            "http://x/v1/boards/global/top?limit=10&after=a_b-1"
        );
        options.apply("period", Setting::Set("daily".into()));
        assert_eq!(
            options.around_url().unwrap(),
            "http://x/v1/boards/global/players/a%20b/around?radius=1&period=daily"
        );
        options.apply("interval", Setting::Set("0".into()));
        assert_eq!(options.interval_ms, DEFAULT_INTERVAL_MS);
        options.apply("interval", Setting::Set("0.001".into()));
        assert_eq!(options.interval_ms, MIN_INTERVAL_MS);
        options.apply("interval", Setting::Set("0.00001".into()));
        assert_eq!(options.interval_ms, MIN_INTERVAL_MS, "tiny but positive");
        options.apply("interval", Setting::Set("0.000".into()));
        assert_eq!(options.interval_ms, DEFAULT_INTERVAL_MS, "zero");
    }

    #[test]
    fn intervals_are_seconds_with_fractions() {
        let ms = |text: &str| parse_interval(Some(text));
        assert_eq!(ms("1"), 1000);
        assert_eq!(ms(" 2.5 "), 2500);
        assert_eq!(ms(".25"), 250);
        assert_eq!(ms("1.2345"), 1234);
        assert_eq!(ms("99999999999"), MAX_INTERVAL_MS);
        for bad in ["", ".", "-1", "1e3", "abc", "1.2.3", "+1", "NaN"] {
            assert_eq!(ms(bad), DEFAULT_INTERVAL_MS, "{bad:?}");
        }
        assert_eq!(parse_interval(None), DEFAULT_INTERVAL_MS);
    }

    #[test]
    fn movements_against_the_last_ranks_seen() {
        let mut memory = RankMemory::default();
        assert_eq!(
            memory.observe(&[entry(1, "a"), entry(2, "b")]),
            [Movement::Same, Movement::Same]
        );
        assert_eq!(
            memory.observe(&[entry(1, "b"), entry(2, "c"), entry(3, "a")]),
            [Movement::Up(1), Movement::New, Movement::Down(2)]
        );
        assert_eq!(memory.observe(&[entry(1, "b")]), [Movement::Same]);
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        assert_eq!(backoff_ms(1000, 1, 1.0), 2000);
        assert_eq!(backoff_ms(1000, 1, 0.0), 1000);
        assert_eq!(backoff_ms(1000, 3, 1.0), 8000);
        assert_eq!(backoff_ms(1000, 30, 1.0), MAX_BACKOFF_MS);
        assert!(backoff_ms(1000, 2, 0.3) < backoff_ms(1000, 2, 0.7));
    }

    #[test]
    fn countdown_formats() {
        assert_eq!(countdown(9_000.0), "9s");
        assert_eq!(countdown(125_000.0), "2m 05s");
        assert_eq!(countdown(3.0 * 3_600_000.0 + 720_000.0), "3h 12m");
        assert_eq!(countdown(2.0 * 86_400_000.0 + 3.0 * 3_600_000.0), "2d 3h");
        assert_eq!(countdown(-5.0), "0s");
    }

    #[test]
    fn pages_parse_with_null_names_and_resets() {
        let page: BoardPage = serde_json::from_str(
            r#"{"board":"g","period":{"period":"alltime","id":"all"},"resets_at":null,"total":1,
                "entries":[{"rank":1,"player":"p","name":null,"score":12.5}]}"#,
        )
        .unwrap();
        assert_eq!(page.entries[0].score, 12.5);
        assert_eq!(period_label("daily"), "Today");
        assert_eq!(period_label("season"), "Season");
        assert_eq!(period_label(""), "");
        assert_eq!(encode("<x>"), "%3Cx%3E");
    }
}
