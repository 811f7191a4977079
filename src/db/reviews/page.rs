//! The review page's read: the reader's account row, the page stamp, and the reviews and
//! comments the stamp covers, in one statement.

use sqlx::SqliteExecutor;

use super::{AttemptReviews, Review, RoundRow, comments_json, fold_reviews, review_row};
use crate::{
    db::users::{User, account_row},
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
                   where cr.attempt_id = a.id) as "comments!: String"
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
    let comments = comments_json(Some(first.comments.as_str()))?;
    let reviews = fold_reviews(rows.into_iter().map(|mut r| review_row!(r)));
    Ok(Some(PageRead {
        reader,
        page: Some((stamp, AttemptReviews { reviews, comments })),
    }))
}
