//! Results of a query kept in memory and served again while nothing at all has been committed
//! to the database since the query ran, by this process or any other ([`CommitWatch`]). A
//! copy is therefore exactly what the query would return now: an account disabled or an
//! answer changed by another program (the command line, `sqlite3`) is seen by the next
//! request, as with no copy at all.
//!
//! Any commit makes every copy stale (they are dropped at the next look), so copies help
//! while the site is quiet between writes, and cost one `pread` per look when it is not.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use super::commit_watch::{CommitWatch, Stamp};

/// Copies of `V` by key, each as read while the database was at one [`Stamp`].
pub struct FreshCopies<K, V> {
    watch: Arc<CommitWatch>,
    kept: Mutex<Kept<K, V>>,
    /// At most this many bytes of copies (as `weight` counts them).
    budget: usize,
    weight: fn(&V) -> usize,
    served: AtomicU64,
}

struct Kept<K, V> {
    /// The state every copy in `copies` was read at.
    stamp: Option<Stamp>,
    copies: HashMap<K, V>,
    bytes: usize,
}

impl<K: Hash + Eq, V: Clone> FreshCopies<K, V> {
    /// Copies of at most `budget` bytes in all, each weighing `weight(value)` bytes.
    pub fn new(watch: Arc<CommitWatch>, budget: usize, weight: fn(&V) -> usize) -> Self {
        Self {
            watch,
            kept: Mutex::new(Kept {
                stamp: None,
                copies: HashMap::new(),
                bytes: 0,
            }),
            budget,
            weight,
            served: AtomicU64::new(0),
        }
    }

    /// The value of `key`: the copy kept since the last commit, or what `read` returns (kept
    /// when nothing was committed while it ran). `read` returning `None` (no such row) keeps
    /// nothing.
    pub async fn get_or_read<E, F>(&self, key: K, read: F) -> Result<Option<V>, E>
    where
        F: Future<Output = Result<Option<V>, E>>,
    {
        let before = self.watch.stamp();
        if let Some(copy) = before.and_then(|stamp| self.copy(&key, stamp)) {
            self.served.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(copy));
        }
        let value = read.await?;
        if let (Some(stamp), Some(value)) = (before, &value)
            // a commit while the query ran: its result may be older than the state now
            && self.watch.stamp() == Some(stamp)
        {
            self.keep(key, stamp, value.clone());
        }
        Ok(value)
    }

    /// How many values were served from copies since start.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    fn copy(&self, key: &K, now: Stamp) -> Option<V> {
        let mut kept = self.lock();
        if kept.stamp != Some(now) {
            kept.drop_all(now);
            return None;
        }
        kept.copies.get(key).cloned()
    }

    fn keep(&self, key: K, stamp: Stamp, value: V) {
        let weight = (self.weight)(&value);
        let mut kept = self.lock();
        if kept.stamp != Some(stamp) {
            kept.drop_all(stamp);
        }
        if let Some(old) = kept.copies.get(&key) {
            kept.bytes -= (self.weight)(old);
        }
        // when full, the copies already kept stay until the next commit drops them all
        if kept.bytes + weight > self.budget {
            kept.copies.remove(&key);
            return;
        }
        kept.bytes += weight;
        kept.copies.insert(key, value);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept<K, V>> {
        self.kept.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<K, V> Kept<K, V> {
    /// Forgets every copy: the database is at `stamp` now.
    fn drop_all(&mut self, stamp: Stamp) {
        self.stamp = Some(stamp);
        self.copies.clear();
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Create, connect_options};
    use sqlx::{Connection, SqliteConnection};

    struct Db {
        _dir: tempfile::TempDir,
        conn: SqliteConnection,
        other: SqliteConnection,
        copies: FreshCopies<i64, String>,
    }

    async fn db(budget: usize) -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let options = connect_options(&path, Create::IfMissing);
        let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::query("create table t (id integer primary key, v text); insert into t values (1, 'one'), (2, 'two')")
            .execute(&mut conn)
            .await
            .unwrap();
        let other = SqliteConnection::connect_with(&options).await.unwrap();
        let watch = Arc::new(CommitWatch::new(&path));
        Db {
            _dir: dir,
            conn,
            other,
            copies: FreshCopies::new(watch, budget, String::len),
        }
    }

    impl Db {
        async fn get(&mut self, id: i64) -> Option<String> {
            let read = sqlx::query_scalar("select v from t where id = ?")
                .bind(id)
                .fetch_optional(&mut self.conn);
            self.copies.get_or_read(id, read).await.unwrap()
        }
    }

    #[tokio::test]
    async fn a_copy_is_served_until_any_connection_commits() {
        let mut db = db(1024).await;
        assert_eq!(db.get(1).await.as_deref(), Some("one"));
        assert_eq!(db.copies.served(), 0);
        assert_eq!(db.get(1).await.as_deref(), Some("one"));
        assert_eq!(db.copies.served(), 1, "the second read is the copy");

        // a commit elsewhere, even to another row, makes every copy stale
        sqlx::query("update t set v = 'deux' where id = 2")
            .execute(&mut db.other)
            .await
            .unwrap();
        assert_eq!(db.get(1).await.as_deref(), Some("one"));
        assert_eq!(db.copies.served(), 1, "read again after a commit");
        sqlx::query("update t set v = 'un' where id = 1")
            .execute(&mut db.other)
            .await
            .unwrap();
        assert_eq!(
            db.get(1).await.as_deref(),
            Some("un"),
            "never the stale copy"
        );
        assert_eq!(db.get(2).await.as_deref(), Some("deux"));
        assert_eq!(db.get(2).await.as_deref(), Some("deux"));
        assert_eq!(db.copies.served(), 2);
    }

    #[tokio::test]
    async fn a_missing_row_and_a_read_during_a_commit_keep_nothing() {
        let mut db = db(1024).await;
        assert_eq!(db.get(9).await, None);
        assert_eq!(db.get(9).await, None);
        assert_eq!(db.copies.served(), 0, "no copy of a missing row");

        // the row changes while the read runs: its result is not kept
        let mut other = db.other;
        let changing = async {
            sqlx::query("update t set v = 'uno' where id = 1")
                .execute(&mut other)
                .await
                .unwrap();
            Ok::<_, sqlx::Error>(Some("one (read before the change)".to_string()))
        };
        assert!(db.copies.get_or_read(1, changing).await.unwrap().is_some());
        let read = sqlx::query_scalar("select v from t where id = ?")
            .bind(1)
            .fetch_optional(&mut db.conn);
        assert_eq!(
            db.copies.get_or_read(1, read).await.unwrap().as_deref(),
            Some("uno")
        );
        assert_eq!(db.copies.served(), 0);
    }

    #[tokio::test]
    async fn copies_past_the_budget_are_not_kept() {
        let mut db = db(4).await;
        sqlx::query("update t set v = 'a longer value' where id = 2")
            .execute(&mut db.conn)
            .await
            .unwrap();
        assert_eq!(db.get(1).await.as_deref(), Some("one"));
        assert_eq!(db.get(2).await.as_deref(), Some("a longer value"));
        assert_eq!(db.get(2).await.as_deref(), Some("a longer value"));
        assert_eq!(db.get(1).await.as_deref(), Some("one"));
        assert_eq!(db.copies.served(), 1, "only the copy within the budget");
    }
}
