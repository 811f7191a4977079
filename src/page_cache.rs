//! Rendered page bodies kept while what they show is unchanged: each entry carries the stamp
//! (revision numbers read from the database) it was rendered at, and is used only while a fresh
//! read of the stamp still matches. Bounded; cleared when full.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex, MutexGuard},
};

use bytes::Bytes;

use crate::{
    db::reviews::{PageStamp, SubmittedWork},
    pieces::Pieces,
};

/// A page's rendered body (escaped HTML, with its kept round blocks in it by reference) and
/// its title (plain text).
pub struct Rendered {
    pub title: String,
    pub body: Pieces,
}

/// Rendered bodies by key, each with the stamp it was rendered at.
pub struct PageCache<K, S, V: ?Sized> {
    entries: Mutex<HashMap<K, (S, Arc<V>)>>,
    limit: usize,
}

impl<K: Eq + Hash, S: Eq, V: ?Sized> PageCache<K, S, V> {
    /// A cache of at most `limit` bodies.
    pub fn new(limit: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            limit,
        }
    }

    /// The body rendered for `key` at exactly `stamp`, if there is one.
    pub fn get(&self, key: &K, stamp: &S) -> Option<Arc<V>> {
        self.lock()
            .get(key)
            .filter(|(s, _)| s == stamp)
            .map(|(_, body)| body.clone())
    }

    /// Keeps `body`, rendered for `key` from data read no earlier than `stamp` was.
    pub fn put(&self, key: K, stamp: S, body: Arc<V>) {
        let mut entries = self.lock();
        if entries.len() >= self.limit && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, (stamp, body));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (S, Arc<V>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Rendered review pages kept (about 70 KB each for the seed gauntlet).
const PAGES: usize = 64;

/// Rendered round blocks kept (about 12 KB each).
const ROUNDS: usize = 320;

/// Rendered grading parts of rounds kept (about 2 KB each, more with a replay). Apart from the
/// blocks, so that the new part every grading save renders never pushes out a block, which
/// costs an alignment to render again.
const FORMS: usize = 320;

/// Fixed parts of review pages kept (an attempt's answers and kept texts, tens of KB each).
const SUBMITTED: usize = 64;

/// The review page's caches (one per server). It lives here, below `state`, because the
/// server state holds it; what it keeps and why that is correct is `web::review::cache`.
pub struct ReviewCache {
    /// Bodies under the site chrome, by (attempt, reader, reader's CSRF token).
    pub pages: PageCache<(i64, i64, String), PageStamp, Rendered>,
    /// Round blocks by [`RoundKey`].
    pub rounds: PageCache<[u8; 32], (), Bytes>,
    /// Rounds' grading parts by [`RoundKey`].
    pub forms: PageCache<[u8; 32], (), Bytes>,
    /// Each attempt's fixed part ([`SubmittedWork`]), by attempt, with the part of
    /// the page stamp it depends on.
    pub submitted: PageCache<i64, (i64, i64), SubmittedWork>,
}

impl Default for ReviewCache {
    fn default() -> Self {
        Self {
            pages: PageCache::new(PAGES),
            rounds: PageCache::new(ROUNDS),
            forms: PageCache::new(FORMS),
            submitted: PageCache::new(SUBMITTED),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_returned_only_for_its_own_key_and_stamp() {
        let cache = PageCache::<_, _, str>::new(8);
        cache.put("a", 1, Arc::from("one"));
        assert_eq!(cache.get(&"a", &1).as_deref(), Some("one"));
        assert_eq!(
            cache.get(&"a", &2),
            None,
            "a newer stamp means a stale body"
        );
        assert_eq!(cache.get(&"b", &1), None);
        cache.put("a", 2, Arc::from("two"));
        assert_eq!(cache.get(&"a", &1), None);
        assert_eq!(cache.get(&"a", &2).as_deref(), Some("two"));
    }

    #[test]
    fn the_cache_never_grows_past_its_limit() {
        let cache = PageCache::<_, _, str>::new(3);
        for k in 0..10 {
            cache.put(k, 0, Arc::from("x"));
            assert!(cache.lock().len() <= 3);
            assert!(cache.get(&k, &0).is_some(), "the newest body is kept");
        }
    }
}
