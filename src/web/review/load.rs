//! Everything the review page's body shows, read on one connection in at most three queries
//! (the attempt with its answers, the kept texts, and the page read: the reader's account, the
//! stamp with the settings it needs, the reviews with their rubrics and comments), whatever the
//! number of rounds and reviewers. A plain view has its page read already. The attempt,
//! its answers and kept texts are the fixed part ([`SubmittedWork`]), which the page keeps
//! between views; a grading save re-reads only the reviews and comments. Only the tables in
//! `cache::TABLES_SHOWN` are read here.

use std::sync::Arc;

use sqlx::SqliteConnection;

use super::requested_attempt;
use crate::{
    db::{
        self,
        attempts::{Attempt, AttemptWithAnswers},
        reviews::{AttemptReviews, Comment, Review, SubmittedWork},
    },
    grading::{Rubric, visibility::Reader},
    web::error::{AppError, Result},
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

/// Reads the review page's data of a requested attempt for the interviewer `me` (404 if not
/// requested): the fixed part, then the page read (`db::reviews::page_read`).
pub async fn load(conn: &mut SqliteConnection, id: i64, me: i64) -> Result<PageData> {
    let submitted = Arc::new(submitted(&mut *conn, id).await?);
    let (stamp, reviews) = db::reviews::page_read(&mut *conn, id, me)
        .await?
        .and_then(|read| read.page)
        .ok_or(AppError::NotFound)?;
    let reader = Reader::Interviewer(me);
    Ok(page_data(submitted, reviews, reader, stamp.blind_review()))
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

/// The page's data from its fixed part and the attempt's reviews: the comments kept are those
/// of the reviews `reader` may see.
pub fn page_data(
    submitted: Arc<SubmittedWork>,
    all: AttemptReviews,
    reader: Reader,
    blind: bool,
) -> PageData {
    let AttemptReviews {
        reviews,
        mut comments,
    } = all;
    let visible: Vec<i64> = reader
        .visible(&reviews, |(r, _)| r.state())
        .iter()
        .map(|(r, _)| r.id)
        .collect();
    comments.retain(|c| visible.contains(&c.review_id));
    PageData {
        submitted,
        reviews,
        comments,
        blind,
    }
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

    /// The comments come back from the reviews' statement as they were stored, whatever their
    /// text, in the order of the answer (round, then place, then id), with an empty list when
    /// there is none.
    #[tokio::test]
    async fn comments_read_with_the_reviews_keep_their_text_and_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = arranged(dir.path()).await;
        let texts = [
            (
                2,
                4,
                "quote \"double\" and 'single'",
                "</script><b>not bold</b>",
            ),
            (1, 9, "line one\nline two\ttab", "emoji 🦀 and accents é"),
            (1, 1, "back\\slash", "{\"looks\": [\"like json\"]}"),
        ];
        for (round, start, quote, body) in texts {
            sqlx::query(
                "insert into review_comments (review_id, round_number, span_start, span_end,
                                              quote, body, created_at) values (1, ?, ?, ?, ?, ?, 0)",
            )
            .bind(round)
            .bind(start)
            .bind(start + 2)
            .bind(quote)
            .bind(body)
            .execute(&mut conn)
            .await
            .expect("insert");
        }
        let read = reviews_of(&mut conn, 1).await;
        assert_eq!(read.reviews.len(), 2);
        let order: Vec<(i64, i64)> = read
            .comments
            .iter()
            .map(|c| (c.round_number, c.span_start))
            .collect();
        assert_eq!(order, [(1, 0), (1, 1), (1, 9), (2, 4)]);
        for (round, start, quote, body) in texts {
            let c = read
                .comments
                .iter()
                .find(|c| c.round_number == round && c.span_start == start)
                .expect("stored comment");
            assert_eq!((c.quote.as_str(), c.body.as_str()), (quote, body));
            assert_eq!((c.review_id, c.span_end), (1, start + 2));
        }
        sqlx::query("delete from review_comments")
            .execute(&mut conn)
            .await
            .expect("delete");
        let read = reviews_of(&mut conn, 1).await;
        assert!(read.comments.is_empty());
        assert_eq!(read.reviews.len(), 2);
        let none = reviews_of(&mut conn, 99).await;
        assert!(none.reviews.is_empty() && none.comments.is_empty());
    }

    /// The page read brings the reader's account, the stamp, and the attempt's reviews and
    /// comments, the same whoever reads (the page keeps what each reader may see); no page for
    /// an attempt that asks for no review, nothing for an unknown reader.
    #[tokio::test]
    async fn the_page_read_is_the_account_the_stamp_and_the_attempts_reviews() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut conn = arranged(dir.path()).await;
        let read = db::reviews::page_read(&mut conn, 1, 3)
            .await
            .expect("read")
            .expect("the reader's account");
        assert_eq!(
            (read.reader.id, read.reader.email.as_str()),
            (3, "s@x.test")
        );
        let (stamp, all) = read.page.expect("a requested attempt has a page");
        let own = reviews_of(&mut conn, 1).await;
        let summary = |a: &AttemptReviews| {
            let reviews: Vec<_> = a
                .reviews
                .iter()
                .map(|(r, rubric)| (r.id, r.reviewer_name.clone(), rubric.rounds.len()))
                .collect();
            let comments: Vec<_> = a.comments.iter().map(|c| (c.id, c.body.clone())).collect();
            (reviews, comments)
        };
        assert_eq!(summary(&all), summary(&own));
        assert_eq!(
            summary(&all).0,
            [(1, "Rev".to_string(), 1), (2, "Sec".to_string(), 0)]
        );
        assert!(!stamp.blind_review());

        assert!(
            db::reviews::page_read(&mut conn, 1, 99)
                .await
                .expect("read")
                .is_none()
        );
        sqlx::query("update attempts set review_requested_at = null where id = 1")
            .execute(&mut conn)
            .await
            .expect("withdraw");
        for attempt in [1, 42] {
            let read = db::reviews::page_read(&mut conn, attempt, 2)
                .await
                .expect("read")
                .expect("the reader's account");
            assert_eq!(read.reader.id, 2);
            assert!(read.page.is_none(), "attempt {attempt} has no review page");
        }
    }

    /// The attempt's reviews and comments, as interviewer 2 reads them.
    async fn reviews_of(conn: &mut SqliteConnection, id: i64) -> AttemptReviews {
        db::reviews::page_read(conn, id, 2)
            .await
            .expect("read")
            .and_then(|read| read.page)
            .map(|(_, all)| all)
            .unwrap_or_default()
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
        // the stamp's own counters stay: the page read (`db::reviews::page_read`) reads them
        for t in tables
            .iter()
            .filter(|t| !TABLES_SHOWN.iter().any(|(n, _)| n == t) && *t != "change_counters")
        {
            sqlx::query(&format!("drop table \"{t}\""))
                .execute(&mut conn)
                .await
                .expect("drop");
        }
        let data = load(&mut conn, 1, 2)
            .await
            .unwrap_or_else(|e| panic!("the page read a table without a trigger: {e:?}"));
        let read = db::reviews::page_read(&mut conn, 1, 2)
            .await
            .unwrap_or_else(|e| panic!("the page read a table without a trigger: {e:?}"))
            .expect("the reader's account");
        let (_, all) = read.page.expect("a requested attempt has a page");
        assert_eq!(all.reviews.len(), 2);
        assert_eq!(all.comments.len(), 1);
        assert_eq!(data.reviews.len(), 2);
        assert_eq!(data.comments.len(), 1, "the reader's own comment");
        assert_eq!(data.submitted.kept.len(), 1, "the overwritten first text");
        assert_eq!(
            data.visible(Reader::Interviewer(3)).len(),
            1,
            "a draft sees itself only"
        );
        let submitted = Arc::new(submitted(&mut conn, 1).await.expect("the fixed part"));
        let all = reviews_of(&mut conn, 1).await;
        let shown = page_data(submitted, all, Reader::Interviewer(3), false);
        assert!(shown.comments.is_empty(), "a draft reads no other comments");
    }
}
