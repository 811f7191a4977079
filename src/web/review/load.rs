//! Everything the review page's body shows, read on one connection in at most five queries
//! (the attempt with its answers, the reviews with their rubrics, the comments, the kept texts
//! and the site settings, which the page stamp brings when it was read first), whatever the
//! number of rounds and reviewers. The attempt, its answers and kept texts are the fixed part
//! ([`SubmittedWork`]), which the page keeps between views; a grading save re-reads only the
//! reviews and comments. Only the tables in `cache::TABLES_SHOWN` are read here.

use std::sync::Arc;

use sqlx::SqliteConnection;

use super::requested_attempt;
use crate::{
    db::{
        self,
        attempts::{Attempt, AttemptWithAnswers},
        reviews::{Comment, Review, SubmittedWork},
    },
    grading::{Rubric, visibility::Reader},
    web::error::Result,
};

/// Kept texts read for one answer's replay at most (the store keeps the newest 20 overwritten
/// texts and every text that lost a conflict).
const REPLAY_ROWS: i64 = 200;

/// What one reader's review page is built from.
pub struct PageData {
    /// The attempt, its answers and kept texts, and the candidate's name (shared between
    /// readers and views while they cannot change).
    pub submitted: Arc<SubmittedWork>,
    /// Every review of the attempt with its rubric, oldest claim first.
    pub reviews: Vec<(Review, Rubric)>,
    /// The comments of the reviews the reader may see.
    pub comments: Vec<Comment>,
    /// Whether reviewers work blind (the candidate is shown as a number).
    pub blind: bool,
}

impl PageData {
    /// The reviews `reader` may see (the grading rule shared with the debrief).
    pub fn visible(&self, reader: Reader) -> Vec<&(Review, Rubric)> {
        reader.visible(&self.reviews, |(r, _)| r.state())
    }

    /// The attempt the page is about.
    pub fn attempt(&self) -> &Attempt {
        &self.submitted.attempt
    }
}

/// Reads the review page's data of a requested attempt for `reader` (404 if not requested).
pub async fn load(conn: &mut SqliteConnection, id: i64, reader: Reader) -> Result<PageData> {
    let submitted = Arc::new(submitted(&mut *conn, id).await?);
    with_reviews(conn, submitted, reader, None).await
}

/// The fixed part of a requested attempt's page (404 if not requested): two queries.
pub async fn submitted(conn: &mut SqliteConnection, id: i64) -> Result<SubmittedWork> {
    let AttemptWithAnswers {
        attempt,
        owner,
        answers,
        ..
    } = requested_attempt(&mut *conn, id).await?;
    let kept = db::attempts::overwritten_of_attempt(&mut *conn, id, REPLAY_ROWS).await?;
    Ok(SubmittedWork {
        attempt,
        candidate: owner.display_name,
        answers,
        kept,
    })
}

/// The rest of the page's data around its fixed part: the reviews with their rubrics and the
/// comments `reader` may see, and the blind-review setting unless the caller read it already
/// (`blind`, read with the page stamp).
pub async fn with_reviews(
    conn: &mut SqliteConnection,
    submitted: Arc<SubmittedWork>,
    reader: Reader,
    blind: Option<bool>,
) -> Result<PageData> {
    let id = submitted.attempt.id;
    let reviews = db::reviews::with_rubrics(&mut *conn, id).await?;
    let visible: Vec<i64> = reader
        .visible(&reviews, |(r, _)| r.state())
        .iter()
        .map(|(r, _)| r.id)
        .collect();
    let comments = if visible.is_empty() {
        Vec::new()
    } else {
        db::reviews::comments_for_attempt(&mut *conn, id)
            .await?
            .into_iter()
            .filter(|c| visible.contains(&c.review_id))
            .collect()
    };
    let blind = match blind {
        Some(b) => b,
        None => db::settings::load(&mut *conn).await?.blind_review,
    };
    Ok(PageData {
        submitted,
        reviews,
        comments,
        blind,
    })
}

#[cfg(test)]
mod tests {
    use sqlx::{Connection, SqliteConnection};

    use super::*;
    use crate::{
        db::{Create, connect_options, schema::MIGRATOR},
        web::review::cache::{Kept, TABLES_SHOWN},
    };

    /// A database with one requested attempt (id 1) of user 1, reviewed by users 2 (final,
    /// with a rubric round and a comment) and 3 (a draft), an answer with a kept text.
    async fn arranged(dir: &std::path::Path) -> SqliteConnection {
        let path = dir.join("page.db");
        let mut conn = SqliteConnection::connect_with(&connect_options(&path, Create::IfMissing))
            .await
            .expect("open");
        MIGRATOR.run(&mut conn).await.expect("migrate");
        sqlx::raw_sql(
            "insert into users (id, email, display_name, password_hash, role, created_at, updated_at)
             values (1, 'c@x.test', 'Cand', 'x', 'candidate', 0, 0),
                    (2, 'r@x.test', 'Rev', 'x', 'interviewer', 0, 0),
                    (3, 's@x.test', 'Sec', 'x', 'interviewer', 0, 0);
             insert into gauntlet_versions (slug, version, title, source, first_seen_at)
             values ('g', 'v1', 'G', '', 0);
             insert into attempts (id, user_id, slug, version, mode, started_at, finished_at,
                                   review_requested_at)
             values (1, 1, 'g', 'v1', 'interview', 0, 1, 2);
             insert into answers (id, attempt_id, round_number, part, body, version,
                                  first_viewed_at, updated_at)
             values (1, 1, 1, 'main', 'first', 1, 0, 0);
             update answers set body = 'second', version = 2 where id = 1;
             update answers set submitted_at = 3 where id = 1;
             insert into reviews (id, attempt_id, reviewer_id, claimed_at, updated_at, submitted_at)
             values (1, 1, 2, 0, 0, 5), (2, 1, 3, 1, 1, null);
             insert into review_rounds (review_id, round_number, level) values (1, 1, 3);
             insert into review_comments (review_id, round_number, span_start, span_end, quote,
                                          body, created_at)
             values (1, 1, 0, 3, 'sec', 'why?', 0);",
        )
        .execute(&mut conn)
        .await
        .expect("arrange the rows");
        conn
    }

    /// Every table not in `TABLES_SHOWN` is dropped before the page's data is read: a read of
    /// any other table fails with "no such table".
    #[tokio::test]
    async fn the_review_page_reads_only_tables_whose_changes_move_its_stamp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = arranged(dir.path()).await;
        let tables: Vec<String> = sqlx::query_scalar(
            "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'
             and name not like '_sqlx%'",
        )
        .fetch_all(&mut conn)
        .await
        .expect("tables");
        for (name, kept) in TABLES_SHOWN {
            assert!(tables.contains(&name.to_string()), "{name} is not a table");
            if *kept == Kept::ByTrigger {
                for event in ["insert", "update", "delete"] {
                    let n: i64 = sqlx::query_scalar(
                        "select count(*) from sqlite_master where type = 'trigger'
                         and tbl_name = ? and lower(sql) like '%after ' || ? || '%'
                         and (sql like '%review_rev%' or sql like '%change_counters%')",
                    )
                    .bind(name)
                    .bind(event)
                    .fetch_one(&mut conn)
                    .await
                    .expect("triggers");
                    assert!(n > 0, "no {event} trigger on {name} moves the page stamp");
                }
            }
        }
        sqlx::query("pragma foreign_keys = off")
            .execute(&mut conn)
            .await
            .expect("pragma");
        for t in tables
            .iter()
            .filter(|t| !TABLES_SHOWN.iter().any(|(n, _)| n == t))
        {
            sqlx::query(&format!("drop table \"{t}\""))
                .execute(&mut conn)
                .await
                .expect("drop");
        }
        let data = load(&mut conn, 1, Reader::Interviewer(2))
            .await
            .unwrap_or_else(|e| panic!("the page read a table without a trigger: {e:?}"));
        assert_eq!(data.reviews.len(), 2);
        assert_eq!(data.comments.len(), 1, "the reader's own comment");
        assert_eq!(data.submitted.kept.len(), 1, "the overwritten first text");
        assert_eq!(
            data.visible(Reader::Interviewer(3)).len(),
            1,
            "a draft sees itself only"
        );
        let submitted = Arc::new(submitted(&mut conn, 1).await.expect("the fixed part"));
        let shown = with_reviews(&mut conn, submitted, Reader::Interviewer(3), Some(false))
            .await
            .expect("load");
        assert!(shown.comments.is_empty(), "a draft reads no other comments");
    }
}
