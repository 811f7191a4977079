//! The review page's read: the reader's account row, the page stamp, and the reviews and
//! comments the stamp covers, in one statement.

use sqlx::SqliteExecutor;

use super::{Comment, Review, RoundRow, rubric_of};
use crate::{
    db::users::{User, account_row},
    grading::{RoundGrade, Rubric},
    role::Role,
};

/// What an attempt's review page shows besides its answers (which are all submitted, so fixed),
/// as revision numbers kept by triggers: while the stamp is unchanged, so is the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStamp {
    review_rev: i64,
    requested_at: i64,
    users: i64,
    settings: i64,
    /// The blind-review setting, read with the stamp so that a page built after it needs no
    /// query of its own for it.
    blind_review: bool,
}

impl PageStamp {
    /// Whether reviewers work blind (the `blind_review` setting when the stamp was read).
    pub fn blind_review(&self) -> bool {
        self.blind_review
    }

    /// The part of the stamp that the attempt's submitted answers and its candidate's name
    /// depend on: the request time (answers cannot change while it stands) and the users'
    /// change counter (a renamed candidate). A grading save moves neither.
    pub fn submitted_part(&self) -> (i64, i64) {
        (self.requested_at, self.users)
    }
}

/// An attempt's reviews and the comments on them.
#[derive(Debug, Clone, Default)]
pub struct AttemptReviews {
    /// Every review with its rubric, oldest claim first.
    pub reviews: Vec<(Review, Rubric)>,
    /// Every comment of those reviews, by round and place in the answer (callers keep the
    /// ones the reader may see).
    pub comments: Vec<Comment>,
}

/// What one statement reads for the review page (see [`page_read`]).
#[derive(Debug, Clone)]
pub struct PageRead {
    /// The reader's account as it is now: the page checks it instead of a read of its own.
    pub reader: User,
    /// The page stamp with the reviews and comments it covers, when the attempt asked for a
    /// review (otherwise there is no page).
    pub page: Option<(PageStamp, AttemptReviews)>,
}

/// The review page's read of an attempt for `reader`, or `None` when there is no such account.
/// The rows start from the reader's account, so the statement answers even when the attempt
/// did not ask for a review; they repeat the account and the stamp beside each review round.
/// The comments' subquery names the attempt by its parameter, not the joined row, so SQLite
/// runs it once rather than once per round row.
pub async fn page_read(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
    reader: i64,
) -> Result<Option<PageRead>, sqlx::Error> {
    let mut rows = sqlx::query!(
        r#"select me.id as "id!", me.email, me.display_name, me.password_hash,
                  me.role as "role: Role", me.disabled as "disabled: bool", me.auth_epoch,
                  me.created_at, me.can_author as "can_author: bool",
                  a.review_rev as "review_rev?: i64", a.review_requested_at as "requested_at?: i64",
                  (select n from change_counters where name = 'users') as "users!: i64",
                  (select n from change_counters where name = 'settings') as "settings!: i64",
                  coalesce((select value = 'on' from settings where key = 'blind_review'), 0)
                      as "blind_review!: bool",
                  r.id as "review_id?: i64", coalesce(r.attempt_id, 0) as "attempt_id!: i64",
                  coalesce(r.reviewer_id, 0) as "reviewer_id!: i64",
                  coalesce(u.display_name, 'former interviewer') as "reviewer_name!: String",
                  coalesce(u.email, '') as "reviewer_email!: String",
                  r.recommendation as "recommendation?: String",
                  coalesce(r.summary, '') as "summary!: String",
                  coalesce(r.claimed_at, 0) as "claimed_at!: i64",
                  coalesce(r.updated_at, 0) as "updated_at!: i64",
                  r.submitted_at as "submitted_at?: i64",
                  rr.round_number as "round_number?: i64", rr.level as "level?: i64",
                  rr.fell_into_trap as "fell_into_trap?: bool", rr.weak_answers as "weak_answers?: String",
                  rr.comment as "round_comment?: String", rr.private_note as "private_note?: String",
                  (select json_group_array(json_object(
                              'id', c.id, 'review_id', c.review_id, 'round_number', c.round_number,
                              'span_start', c.span_start, 'span_end', c.span_end,
                              'quote', c.quote, 'body', c.body)
                              order by c.round_number, c.span_start, c.id)
                   from review_comments c join reviews cr on cr.id = c.review_id
                   where cr.attempt_id = ?1) as "comments!: String"
           from users me
                left join attempts a on a.id = ?1 and a.review_requested_at is not null
                left join reviews r on r.attempt_id = a.id
                left join users u on u.id = r.reviewer_id
                left join review_rounds rr on rr.review_id = r.id
           where me.id = ?2
           order by r.claimed_at, r.id, rr.round_number"#,
        attempt_id,
        reader
    )
    .fetch_all(db)
    .await?;
    let Some(first) = rows.first_mut() else {
        return Ok(None);
    };
    let reader = account_row!(first, first.id);
    let stamp = first
        .review_rev
        .zip(first.requested_at)
        .map(|(review_rev, requested_at)| PageStamp {
            review_rev,
            requested_at,
            users: first.users,
            settings: first.settings,
            blind_review: first.blind_review,
        });
    let Some(stamp) = stamp else {
        return Ok(Some(PageRead { reader, page: None }));
    };
    let comments: Vec<Comment> =
        serde_json::from_str(&first.comments).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    // one row per review round (or one for a review without rounds); the text moves out
    let reviews = fold_reviews(rows.into_iter().filter_map(|mut r| {
        let review = Review {
            id: r.review_id?,
            attempt_id: r.attempt_id,
            reviewer_id: r.reviewer_id,
            reviewer_name: std::mem::take(&mut r.reviewer_name),
            reviewer_email: std::mem::take(&mut r.reviewer_email),
            recommendation: r.recommendation.take(),
            summary: std::mem::take(&mut r.summary),
            claimed_at: r.claimed_at,
            updated_at: r.updated_at,
            submitted_at: r.submitted_at,
        };
        let round = r.round_number.map(|round_number| RoundRow {
            round_number,
            level: r.level,
            fell_into_trap: r.fell_into_trap.unwrap_or(false),
            weak_answers: r.weak_answers.take().unwrap_or_default(),
            comment: r.round_comment.take().unwrap_or_default(),
            private_note: r.private_note.take().unwrap_or_default(),
        });
        Some((review, round))
    }));
    Ok(Some(PageRead {
        reader,
        page: Some((stamp, AttemptReviews { reviews, comments })),
    }))
}

/// Reviews with their rubrics from rows of one review and at most one round each, in review
/// order.
fn fold_reviews(rows: impl Iterator<Item = (Review, Option<RoundRow>)>) -> Vec<(Review, Rubric)> {
    let mut out: Vec<(Review, Vec<RoundGrade>)> = Vec::new();
    for (review, round) in rows {
        if out.last().is_none_or(|(r, _)| r.id != review.id) {
            out.push((review, Vec::new()));
        }
        if let (Some(round), Some((_, rounds))) = (round, out.last_mut()) {
            rounds.push(RoundGrade::from(round));
        }
    }
    out.into_iter()
        .map(|(review, rounds)| {
            let rubric = rubric_of(&review, rounds);
            (review, rubric)
        })
        .collect()
}

impl PageRead {
    /// About how many bytes this read holds (for `db::fresh_copies`' budget): its text, and a
    /// little for the rest.
    pub fn weight(&self) -> usize {
        let Some((_, all)) = &self.page else {
            return 512;
        };
        let reviews: usize = all
            .reviews
            .iter()
            .map(|(r, rubric)| {
                let rounds: usize = rubric
                    .rounds
                    .iter()
                    .map(|g| g.comment.len() + g.private_note.len() + 64)
                    .sum();
                256 + r.reviewer_name.len() + r.reviewer_email.len() + r.summary.len() + rounds
            })
            .sum();
        let comments: usize = all
            .comments
            .iter()
            .map(|c| c.quote.len() + c.body.len() + 64)
            .sum();
        512 + reviews + comments
    }
}
