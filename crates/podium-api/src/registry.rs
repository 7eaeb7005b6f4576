//! The isolate's copy of the board registry: which boards the board API made, without a Redis
//! read per request.
//!
//! At most once per [`REFRESH_MS`] of the request clock (`now_ms`, which the caller passes, so
//! tests step it), a request that needs a registry board reads the registry's version (one
//! `GET`); when the version moved, every cached board is dropped and each is read again (one
//! `HGET`) the first time a request names it. So an isolate sees a change at most
//! [`REFRESH_MS`] after it is made; the edge caches of public reads add their
//! `PODIUM_CACHE_SECONDS`. The isolate that made a change forgets that board at once.
//! Configured boards (`PODIUM_BOARDS`) never need any of this.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use podium_board::RegistryEntry;

/// How long an isolate trusts its copy before it reads the registry's version again.
pub(crate) const REFRESH_MS: i64 = 1_000;
/// Most boards (known or known to be missing) one isolate remembers; past it the copy starts
/// afresh, so ids made up by a caller cannot grow it without bound.
pub(crate) const MAX_CACHED_BOARDS: usize = 20_000;

/// What the cache knows of one id: the entry, or that the registry has none.
pub(crate) type Cached = Option<Arc<RegistryEntry>>;

#[derive(Debug, Default)]
pub(crate) struct RegistryCache {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The registry version the cached boards are from.
    version: u64,
    /// When the version was last read; `None` before the first read.
    checked_at_ms: Option<i64>,
    boards: HashMap<String, Cached>,
}

impl RegistryCache {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a request at `now_ms` must read the registry's version first. A clock that went
    /// back counts as due, so a skewed clock cannot freeze the copy.
    pub(crate) fn due(&self, now_ms: i64) -> bool {
        match self.state().checked_at_ms {
            None => true,
            Some(at) => now_ms < at || now_ms - at >= REFRESH_MS,
        }
    }

    /// The registry's version as read at `now_ms`: a new one drops every cached board.
    pub(crate) fn observe(&self, version: u64, now_ms: i64) {
        let mut state = self.state();
        if state.version != version {
            state.version = version;
            state.boards.clear();
        }
        state.checked_at_ms = Some(now_ms);
    }

    /// The version the cached boards are from, to pass to [`RegistryCache::insert`].
    pub(crate) fn version(&self) -> u64 {
        self.state().version
    }

    /// What the cache knows of `id`; `None` when it must be read.
    pub(crate) fn get(&self, id: &str) -> Option<Cached> {
        self.state().boards.get(id).cloned()
    }

    /// Keeps what was read of `id` while the registry was at `version`, unless a newer version
    /// was seen meanwhile (the read may then be older than it).
    pub(crate) fn insert(&self, id: &str, version: u64, entry: Cached) {
        let mut state = self.state();
        if state.version != version {
            return;
        }
        if state.boards.len() >= MAX_CACHED_BOARDS {
            state.boards.clear();
        }
        state.boards.insert(id.to_owned(), entry);
    }

    /// Drops `id`, which this isolate just changed, so its next request reads it again.
    pub(crate) fn forget(&self, id: &str) {
        self.state().boards.remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use podium_core::Board;

    fn entry(id: &str, version: u64) -> Cached {
        let board = Board::from_value(serde_json::json!({"id": id})).ok()?;
        Some(Arc::new(RegistryEntry {
            board,
            version,
            retired: false,
            purged: 0,
        }))
    }

    #[test]
    fn the_version_is_read_at_most_once_a_second() {
        let cache = RegistryCache::default();
        assert!(cache.due(5_000), "never read");
        cache.observe(0, 5_000);
        assert!(!cache.due(5_000));
        assert!(!cache.due(5_999));
        assert!(cache.due(6_000));
        assert!(cache.due(4_000), "a clock that went back");
        cache.observe(0, 6_000);
        assert!(!cache.due(6_500));
    }

    #[test]
    fn a_new_version_drops_the_boards_and_an_old_read_is_not_kept() {
        let cache = RegistryCache::default();
        cache.observe(3, 0);
        cache.insert("a", 3, entry("a", 3));
        cache.insert("missing", 3, None);
        assert!(cache.get("a").is_some_and(|cached| cached.is_some()));
        assert!(cache.get("missing").is_some_and(|cached| cached.is_none()));
        assert!(cache.get("b").is_none());
        cache.observe(3, 1_000);
        assert!(cache.get("a").is_some(), "the same version keeps them");
        cache.observe(4, 2_000);
        assert!(cache.get("a").is_none() && cache.get("missing").is_none());
        // Read while the version was 3, answered after 4 was seen: not kept.
        cache.insert("a", 3, entry("a", 3));
        assert!(cache.get("a").is_none());
        cache.insert("a", 4, entry("a", 4));
        cache.forget("a");
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn the_copy_is_bounded() {
        let cache = RegistryCache::default();
        cache.observe(1, 0);
        for n in 0..=MAX_CACHED_BOARDS {
            cache.insert(&format!("x{n}"), 1, None);
        }
        assert_eq!(cache.state().boards.len(), 1);
    }
}
