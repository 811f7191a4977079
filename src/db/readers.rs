//! The site's read connections (`AppState::db`): a small pool handed out without sqlx's
//! release ping. Every write goes through the writer (`open_writer`) instead.
//!
//! sqlx 0.8's pool pings every connection it takes back: one more round trip to the
//! connection's thread per query, which on the round page cost as much as the queries
//! themselves. A read connection cannot be left in a state that needs that check: a dropped
//! query resets its statement when the connection's thread notices, and the next command
//! queues behind it. A connection found inside a transaction (none of our reads begins one)
//! is closed instead of reused. Take one connection per handler (`let mut conn = …`) rather
//! than one per query while another is held: a handler holding one while waiting for a second
//! could wait for ever once every connection is held that way.

use std::{
    ops::{Deref, DerefMut},
    sync::{Arc, Mutex},
};

use sqlx::{
    ConnectOptions, SqliteConnection, TransactionManager,
    sqlite::{SqliteConnectOptions, SqliteTransactionManager},
};
use tokio::sync::{Semaphore, SemaphorePermit};

/// A pool of read connections, opened on first use.
pub struct Readers {
    options: Arc<SqliteConnectOptions>,
    idle: Mutex<Vec<SqliteConnection>>,
    permits: Semaphore,
}

/// One read connection, back to the pool when dropped.
pub struct Reader<'a> {
    conn: Option<SqliteConnection>,
    owner: &'a Readers,
    _permit: SemaphorePermit<'a>,
}

impl Readers {
    /// At most `size` connections, each opened with `options` when first needed.
    pub fn new(options: Arc<SqliteConnectOptions>, size: usize) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size),
        }
    }

    /// A connection: an idle one, or a new one while fewer than `size` are out.
    pub async fn get(&self) -> Result<Reader<'_>, sqlx::Error> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.lock_idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.options.connect().await?,
        };
        Ok(Reader {
            conn: Some(conn),
            owner: self,
            _permit: permit,
        })
    }

    /// How many connections could be handed out now without waiting.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// Connections opened and idle now.
    #[cfg(test)]
    fn idle_count(&self) -> usize {
        self.lock_idle().len()
    }

    fn lock_idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        self.idle.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Deref for Reader<'_> {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl DerefMut for Reader<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        // a connection inside a transaction is dropped instead (its thread closes it)
        if let Some(conn) = self
            .conn
            .take()
            .filter(|c| SqliteTransactionManager::get_transaction_depth(c) == 0)
        {
            self.owner.lock_idle().push(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readers(size: usize) -> (tempfile::TempDir, Readers) {
        let dir = tempfile::tempdir().unwrap();
        let options = super::super::connect_options(
            &dir.path().join("r.db"),
            super::super::Create::IfMissing,
        );
        (dir, Readers::new(Arc::new(options), size))
    }

    #[tokio::test]
    async fn connections_are_reused_and_never_more_than_the_size() {
        let (_dir, readers) = readers(2);
        {
            let mut a = readers.get().await.unwrap();
            let _b = readers.get().await.unwrap();
            let one: i64 = sqlx::query_scalar("select 1")
                .fetch_one(&mut *a)
                .await
                .unwrap();
            assert_eq!(one, 1);
            let third = tokio::time::timeout(std::time::Duration::from_millis(50), readers.get());
            assert!(
                third.await.is_err(),
                "a third connection waits for a free one"
            );
        }
        assert_eq!(readers.idle_count(), 2);
        let _again = readers.get().await.unwrap();
        assert_eq!(
            readers.idle_count(),
            1,
            "an idle connection is reused, not a new one opened"
        );
    }

    #[tokio::test]
    async fn a_connection_dropped_mid_transaction_is_not_reused() {
        let (_dir, readers) = readers(1);
        {
            let mut r = readers.get().await.unwrap();
            let tx = sqlx::Connection::begin(&mut *r).await.unwrap();
            // a transaction that never ends, as a leaked one would leave the connection
            #[allow(clippy::mem_forget)]
            std::mem::forget(tx);
        }
        assert_eq!(readers.idle_count(), 0);
        let mut r = readers.get().await.unwrap();
        let one: i64 = sqlx::query_scalar("select 1")
            .fetch_one(&mut *r)
            .await
            .unwrap();
        assert_eq!(one, 1);
    }

    #[tokio::test]
    async fn a_query_stopped_early_holds_no_snapshot() {
        let (_dir, readers) = readers(2);
        let mut writer = readers.get().await.unwrap();
        sqlx::query("create table t (n integer); insert into t values (1), (2), (3)")
            .execute(&mut *writer)
            .await
            .unwrap();
        let mut r = readers.get().await.unwrap();
        // takes the first row of three, leaving the statement mid-way
        let first: Option<i64> = sqlx::query_scalar("select n from t order by n")
            .fetch_optional(&mut *r)
            .await
            .unwrap();
        assert_eq!(first, Some(1));
        sqlx::query("insert into t values (4)")
            .execute(&mut *writer)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("select count(*) from t")
            .fetch_one(&mut *r)
            .await
            .unwrap();
        assert_eq!(n, 4, "the next read sees the latest commit");
    }
}
