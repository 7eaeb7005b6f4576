//! A small map of values that are fresh until a deadline: the Worker's in-isolate copy of the
//! top-N pages it also keeps in the Cache API.
//!
//! An isolate serves many requests, and a popular board's page is asked for by nearly all of
//! them. Keeping the page in the isolate's memory for the same freshness as the Cache API copy
//! answers those reads without even a Cache API lookup, and is never staler than that copy: an
//! entry is only ever used before the deadline it was stored with.

use std::collections::HashMap;

/// Most pages one isolate keeps: boards × limits × offsets × periods actually asked for.
pub const MAX_FRESH_PAGES: usize = 64;

/// Values by key, each fresh until its own deadline (Unix ms), at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct FreshCache<V> {
    entries: HashMap<String, (i64, V)>,
    capacity: usize,
}

impl<V> FreshCache<V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
        }
    }

    /// The value for `key` if it is still fresh at `now_ms`; a stale one is dropped.
    pub fn get(&mut self, key: &str, now_ms: i64) -> Option<&V> {
        match self.entries.get(key) {
            Some((until, _)) if *until > now_ms => self.entries.get(key).map(|(_, value)| value),
            Some(_) => {
                self.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `value` for `key` until `fresh_until_ms`. When full, stale entries go first, then
    /// the one that would go stale soonest.
    pub fn insert(&mut self, key: &str, value: V, fresh_until_ms: i64, now_ms: i64) {
        if fresh_until_ms <= now_ms || self.capacity == 0 {
            return;
        }
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity {
            self.entries.retain(|_, (until, _)| *until > now_ms);
            if self.entries.len() >= self.capacity {
                let soonest = self
                    .entries
                    .iter()
                    .min_by_key(|(_, (until, _))| *until)
                    .map(|(key, _)| key.clone());
                if let Some(soonest) = soonest {
                    self.entries.remove(&soonest);
                }
            }
        }
        self.entries.insert(key.to_owned(), (fresh_until_ms, value));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_served_until_its_deadline_and_not_at_it() {
        let mut cache = FreshCache::new(4);
        cache.insert("top", "page", 2_000, 1_000);
        assert_eq!(cache.get("top", 1_000), Some(&"page"));
        assert_eq!(cache.get("top", 1_999), Some(&"page"));
        assert_eq!(cache.get("top", 2_000), None);
        assert!(cache.is_empty(), "a stale entry is dropped when seen");
    }

    #[test]
    fn a_newer_value_replaces_the_old_one() {
        let mut cache = FreshCache::new(4);
        cache.insert("top", 1, 2_000, 1_000);
        cache.insert("top", 2, 3_000, 2_500);
        assert_eq!(cache.get("top", 2_500), Some(&2));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn values_already_stale_are_not_kept() {
        let mut cache = FreshCache::new(4);
        cache.insert("top", 1, 1_000, 1_000);
        assert!(cache.is_empty());
        let mut none = FreshCache::new(0);
        none.insert("top", 1, 2_000, 1_000);
        assert!(none.is_empty());
    }

    #[test]
    fn when_full_stale_entries_go_first_then_the_soonest_to_go_stale() {
        let mut cache = FreshCache::new(3);
        cache.insert("a", 'a', 1_500, 1_000);
        cache.insert("b", 'b', 3_000, 1_000);
        cache.insert("c", 'c', 2_000, 1_000);
        // At 1 600 "a" is stale: it makes room, the others stay.
        cache.insert("d", 'd', 4_000, 1_600);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get("a", 1_600), None);
        assert!(cache.get("b", 1_600).is_some() && cache.get("c", 1_600).is_some());
        // Nothing stale now: "c" (fresh until 2 000) is the one to go.
        cache.insert("e", 'e', 4_000, 1_700);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get("c", 1_700), None);
        assert!(cache.get("b", 1_700).is_some() && cache.get("d", 1_700).is_some());
    }
}
