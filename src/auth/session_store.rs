//! Where sessions live: rows in SQLite keyed by a hash of the session id (a stolen copy of the
//! database holds no usable cookie), with an in-memory copy in front so that reading a page does
//! not cost a database round trip. The row is the authority: a copy older than the re-check
//! interval is compared with its row again (one read per session per interval, not per
//! request), so a row deleted behind the process's back ends the session within that interval.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_sqlx_store::SqliteStore;

/// Sessions kept in memory at most; beyond that the oldest-expiring are dropped from memory
/// (they stay in the database and are read from there when used again).
const CACHE_LIMIT: usize = 10_000;

/// The session store: SQLite rows under hashed ids, read through an in-memory cache.
#[derive(Debug, Clone)]
pub struct CachedStore {
    rows: SqliteStore,
    /// Each session with the moment it was last read from or written to its row.
    cache: Arc<Mutex<HashMap<Id, (Record, Instant)>>>,
    recheck: Duration,
}

/// The id a session's row is stored under: the first 128 bits of SHA-256 of the cookie's id.
pub fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

impl CachedStore {
    /// `recheck`: how old a memory copy may get before its row is read again.
    pub fn new(rows: SqliteStore, recheck: Duration) -> Self {
        Self {
            rows,
            cache: Arc::default(),
            recheck,
        }
    }

    fn remember(&self, record: &Record) {
        self.remember_read_at(record, Instant::now());
    }

    /// Keeps `record` as read from its row at `read_at`, unless a write since then already
    /// put a newer copy in memory.
    fn remember_read_at(&self, record: &Record, read_at: Instant) {
        let mut cache = self.cache.lock().expect("session cache lock");
        if cache.get(&record.id).is_some_and(|(_, at)| *at > read_at) {
            return;
        }
        if cache.len() >= CACHE_LIMIT && !cache.contains_key(&record.id) {
            let now = OffsetDateTime::now_utc();
            cache.retain(|_, (r, _)| r.expiry_date > now);
            if cache.len() >= CACHE_LIMIT {
                let victim = cache
                    .values()
                    .min_by_key(|(r, _)| r.expiry_date)
                    .map(|(r, _)| r.id);
                if let Some(id) = victim {
                    cache.remove(&id);
                }
            }
        }
        cache.insert(record.id, (record.clone(), read_at));
    }

    fn forget(&self, id: &Id) {
        self.cache.lock().expect("session cache lock").remove(id);
    }

    /// The memory copy, if there is one that has not expired and was checked against its row
    /// within the re-check interval.
    fn cached(&self, id: &Id) -> Option<Record> {
        let cache = self.cache.lock().expect("session cache lock");
        cache
            .get(id)
            .filter(|(r, checked)| {
                r.expiry_date > OffsetDateTime::now_utc() && checked.elapsed() < self.recheck
            })
            .map(|(r, _)| r.clone())
    }

    /// Writes the row, then the memory copy: the cache never holds what the database refused.
    async fn write(&self, record: &Record) -> session_store::Result<()> {
        if let Err(e) = self.rows.save(&as_stored(record)).await {
            self.forget(&record.id);
            return Err(e);
        }
        self.remember(record);
        Ok(())
    }

    /// How many sessions are held in memory.
    #[cfg(test)]
    fn cached_len(&self) -> usize {
        self.cache.lock().expect("session cache lock").len()
    }
}

/// The account a stored session row belongs to (its `uid`), read from the row's encoded
/// record; `None` for a visitor's session or a row that does not decode.
pub fn stored_user(data: &[u8]) -> Option<i64> {
    let record: Record = rmp_serde::from_slice(data).ok()?;
    record.data.get(super::session::USER_ID)?.as_i64()
}

fn as_stored(record: &Record) -> Record {
    Record {
        id: stored_id(&record.id),
        data: record.data.clone(),
        expiry_date: record.expiry_date,
    }
}

#[async_trait]
impl SessionStore for CachedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // a fresh random 128-bit id; a clash is astronomically unlikely but costs one read
        while self.rows.load(&stored_id(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.write(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // an existing session: its row is updated, never brought back once deleted (saves are
        // rare — a flash, a new CSRF token, "last seen" once a minute — so this read is cheap)
        match self.rows.load(&stored_id(&record.id)).await {
            Ok(Some(_)) => self.write(record).await,
            Ok(None) => {
                self.forget(&record.id);
                Ok(())
            }
            Err(e) => {
                self.forget(&record.id);
                Err(e)
            }
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cached(id) {
            return Ok(Some(record));
        }
        let read_at = Instant::now();
        let Some(mut record) = self.rows.load(&stored_id(id)).await? else {
            // gone from the database (ended elsewhere, or deleted by hand): gone here too
            self.forget(id);
            return Ok(None);
        };
        record.id = *id;
        self.remember_read_at(&record, read_at);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.forget(id);
        self.rows.delete(&stored_id(id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (CachedStore, sqlx::SqlitePool) {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let rows = SqliteStore::new(pool.clone());
        rows.migrate().await.unwrap();
        (CachedStore::new(rows, Duration::from_secs(30)), pool)
    }

    fn record() -> Record {
        let mut data = HashMap::new();
        data.insert("uid".to_string(), serde_json::json!(7));
        Record {
            id: Id::default(),
            data,
            expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(1),
        }
    }

    #[tokio::test]
    async fn rows_are_keyed_by_a_hash_and_never_by_the_cookie_id() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        let ids: Vec<String> = sqlx::query_scalar("select id from tower_sessions")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(ids, vec![stored_id(&r.id).to_string()]);
        assert_ne!(ids[0], r.id.to_string());
    }

    #[tokio::test]
    async fn a_session_survives_losing_the_memory_copy() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        let fresh = CachedStore::new(SqliteStore::new(pool), Duration::from_secs(30));
        let loaded = fresh
            .load(&r.id)
            .await
            .unwrap()
            .expect("loaded from the row");
        assert_eq!(loaded.id, r.id);
        assert_eq!(loaded.data, r.data);
        assert!(fresh.load(&stored_id(&r.id)).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn deleting_removes_both_copies() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        store.delete(&r.id).await.unwrap();
        assert!(store.load(&r.id).await.unwrap().is_none());
        let n: i64 = sqlx::query_scalar("select count(*) from tower_sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
    }

    #[tokio::test]
    async fn a_failed_write_leaves_nothing_in_memory() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        sqlx::query("drop table tower_sessions")
            .execute(&pool)
            .await
            .unwrap();
        r.data.insert("uid".into(), serde_json::json!(8));
        assert!(store.save(&r).await.is_err());
        assert_eq!(store.cached_len(), 0);
    }

    #[tokio::test]
    async fn a_stored_row_names_its_account() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        let data: Vec<u8> = sqlx::query_scalar("select data from tower_sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored_user(&data), Some(7));
        assert_eq!(stored_user(b"not a record"), None);
    }

    #[tokio::test]
    async fn memory_is_bounded() {
        let (store, _pool) = store().await;
        for _ in 0..CACHE_LIMIT + 5 {
            store.remember(&record());
        }
        assert_eq!(store.cached_len(), CACHE_LIMIT);
    }

    #[tokio::test]
    async fn t60_a_deleted_row_ends_the_session_once_the_copy_is_rechecked() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        sqlx::query("delete from tower_sessions")
            .execute(&pool)
            .await
            .unwrap();
        // within the interval the memory copy answers (no database read per request) ...
        assert!(store.load(&r.id).await.unwrap().is_some());
        // ... and once it is older than the interval, the row decides
        let strict = CachedStore {
            recheck: Duration::ZERO,
            ..store.clone()
        };
        assert!(strict.load(&r.id).await.unwrap().is_none());
        assert_eq!(store.cached_len(), 0, "the copy is dropped too");
        assert!(store.load(&r.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn t60_saving_a_session_whose_row_was_deleted_does_not_bring_it_back() {
        let (store, pool) = store().await;
        let mut r = record();
        store.create(&mut r).await.unwrap();
        sqlx::query("delete from tower_sessions")
            .execute(&pool)
            .await
            .unwrap();
        r.data.insert("seen".into(), serde_json::json!(1));
        store.save(&r).await.unwrap();
        let n: i64 = sqlx::query_scalar("select count(*) from tower_sessions")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0);
        assert!(store.load(&r.id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn t60_a_rechecked_session_that_still_has_its_row_keeps_working() {
        let (store, _pool) = store().await;
        let store = CachedStore {
            recheck: Duration::ZERO,
            ..store
        };
        let mut r = record();
        store.create(&mut r).await.unwrap();
        for _ in 0..3 {
            let loaded = store.load(&r.id).await.unwrap().expect("row still there");
            assert_eq!(loaded.id, r.id);
            assert_eq!(loaded.data, r.data);
        }
    }
}
