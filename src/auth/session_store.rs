//! Where sessions live: rows in SQLite keyed by a hash of the session id (a stolen copy of the
//! database holds no usable cookie), with an in-memory copy in front so that reading a page does
//! not cost a database round trip. This process is the only writer, so the copy stays exact.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
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
    cache: Arc<Mutex<HashMap<Id, Record>>>,
}

/// The id a session's row is stored under: the first 128 bits of SHA-256 of the cookie's id.
pub fn stored_id(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

impl CachedStore {
    pub fn new(rows: SqliteStore) -> Self {
        Self {
            rows,
            cache: Arc::default(),
        }
    }

    fn remember(&self, record: &Record) {
        let mut cache = self.cache.lock().expect("session cache lock");
        if cache.len() >= CACHE_LIMIT && !cache.contains_key(&record.id) {
            let now = OffsetDateTime::now_utc();
            cache.retain(|_, r| r.expiry_date > now);
            if cache.len() >= CACHE_LIMIT {
                let victim = cache.values().min_by_key(|r| r.expiry_date).map(|r| r.id);
                if let Some(id) = victim {
                    cache.remove(&id);
                }
            }
        }
        cache.insert(record.id, record.clone());
    }

    fn forget(&self, id: &Id) {
        self.cache.lock().expect("session cache lock").remove(id);
    }

    fn cached(&self, id: &Id) -> Option<Record> {
        let cache = self.cache.lock().expect("session cache lock");
        cache
            .get(id)
            .filter(|r| r.expiry_date > OffsetDateTime::now_utc())
            .cloned()
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
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // the database first: the cache never holds what the database refused
        if let Err(e) = self.rows.save(&as_stored(record)).await {
            self.forget(&record.id);
            return Err(e);
        }
        self.remember(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.cached(id) {
            return Ok(Some(record));
        }
        let Some(mut record) = self.rows.load(&stored_id(id)).await? else {
            return Ok(None);
        };
        record.id = *id;
        self.remember(&record);
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
    use time::Duration;

    async fn store() -> (CachedStore, sqlx::SqlitePool) {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        let rows = SqliteStore::new(pool.clone());
        rows.migrate().await.unwrap();
        (CachedStore::new(rows), pool)
    }

    fn record() -> Record {
        let mut data = HashMap::new();
        data.insert("uid".to_string(), serde_json::json!(7));
        Record {
            id: Id::default(),
            data,
            expiry_date: OffsetDateTime::now_utc() + Duration::hours(1),
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
        let fresh = CachedStore::new(SqliteStore::new(pool));
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
}
