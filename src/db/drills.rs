//! The `drill_cards` and `drill_reviews` tables. Every query names the owner, so a card of
//! another person is never read or changed by id alone.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::drills::{NewCard, Outcome, Rating, cards};

/// One drill card, as stored.
#[derive(Debug, Clone)]
pub struct Card {
    pub id: i64,
    pub user_id: i64,
    pub slug: String,
    pub version: String,
    pub round_number: i64,
    pub kind: String,
    pub key: String,
    pub sources: String,
    pub attempt_id: Option<i64>,
    pub stability: f64,
    pub difficulty: f64,
    pub due_at: i64,
    pub last_reviewed_at: i64,
    pub reps: i64,
    pub lapses: i64,
    pub dismissed_at: Option<i64>,
    pub created_at: i64,
}

impl Card {
    /// The memory and time of the last review, as the scheduler takes them.
    pub fn last(&self) -> (crate::drills::Memory, i64) {
        (
            crate::drills::Memory {
                stability: self.stability,
                difficulty: self.difficulty,
            },
            self.last_reviewed_at,
        )
    }
}

/// Creates a card, or merges into the one with the same (person, version, round, kind, key):
/// the existing card keeps its schedule and gains the new source.
#[allow(clippy::too_many_arguments)]
pub async fn upsert(
    conn: &mut SqliteConnection,
    user_id: i64,
    slug: &str,
    version: &str,
    attempt_id: i64,
    card: &NewCard,
    first: &Outcome,
    now: i64,
) -> Result<(), sqlx::Error> {
    let round = i64::from(card.round);
    let kind = card.kind.as_str();
    let norm = cards::normal_key(&card.key);
    let sources = cards::sources_to_string(&card.sources);
    sqlx::query!(
        "insert into drill_cards (user_id, slug, version, round_number, kind, key, norm_key, sources,
                                  attempt_id, stability, difficulty, due_at, last_reviewed_at,
                                  created_at, updated_at)
         values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         on conflict (user_id, slug, version, round_number, kind, norm_key) do update set
             sources = case when drill_cards.sources = excluded.sources then drill_cards.sources
                            else 'alignment,reviewer' end,
             updated_at = excluded.updated_at
         where drill_cards.sources <> excluded.sources",
        user_id,
        slug,
        version,
        round,
        kind,
        card.key,
        norm,
        sources,
        attempt_id,
        first.memory.stability,
        first.memory.difficulty,
        first.due_at,
        now,
        now,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A person's cards that are not dismissed and due before `until`, soonest first.
pub async fn due(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
    until: i64,
) -> Result<Vec<Card>, sqlx::Error> {
    sqlx::query_as!(
        Card,
        r#"select id as "id!", user_id, slug, version, round_number, kind, key, sources, attempt_id,
                  stability, difficulty, due_at, last_reviewed_at, reps, lapses, dismissed_at, created_at
           from drill_cards where user_id = ? and dismissed_at is null and due_at < ?
           order by due_at, id"#,
        user_id,
        until
    )
    .fetch_all(db)
    .await
}

/// How many of a person's cards are due before `until`.
pub async fn count_due(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
    until: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!: i64" from drill_cards
           where user_id = ? and dismissed_at is null and due_at < ?"#,
        user_id,
        until
    )
    .fetch_one(db)
    .await
}

/// Every card of a person (open ones by due date, then dismissed ones).
pub async fn for_user(db: impl SqliteExecutor<'_>, user_id: i64) -> Result<Vec<Card>, sqlx::Error> {
    sqlx::query_as!(
        Card,
        r#"select id as "id!", user_id, slug, version, round_number, kind, key, sources, attempt_id,
                  stability, difficulty, due_at, last_reviewed_at, reps, lapses, dismissed_at, created_at
           from drill_cards where user_id = ?
           order by dismissed_at is not null, due_at, id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// One card, only if it belongs to `user_id`.
pub async fn owned(
    db: impl SqliteExecutor<'_>,
    id: i64,
    user_id: i64,
) -> Result<Option<Card>, sqlx::Error> {
    sqlx::query_as!(
        Card,
        r#"select id as "id!", user_id, slug, version, round_number, kind, key, sources, attempt_id,
                  stability, difficulty, due_at, last_reviewed_at, reps, lapses, dismissed_at, created_at
           from drill_cards where id = ? and user_id = ?"#,
        id,
        user_id
    )
    .fetch_optional(db)
    .await
}

/// Records a drill and moves the card. `expected_reviewed_at` is the last review the rating was
/// made against: a second submit of the same drill (another tab, a double click) changes
/// nothing and returns false.
#[allow(clippy::too_many_arguments)]
pub async fn rate(
    conn: &mut SqliteConnection,
    card_id: i64,
    user_id: i64,
    expected_reviewed_at: i64,
    expected_reps: i64,
    rating: Rating,
    answer: &str,
    outcome: &Outcome,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let lapse = i64::from(rating == Rating::Again);
    let changed = sqlx::query!(
        "update drill_cards set stability = ?, difficulty = ?, due_at = ?, last_reviewed_at = ?,
                reps = reps + 1, lapses = lapses + ?, updated_at = ?
         where id = ? and user_id = ? and dismissed_at is null
           and last_reviewed_at = ? and reps = ?",
        outcome.memory.stability,
        outcome.memory.difficulty,
        outcome.due_at,
        now,
        lapse,
        now,
        card_id,
        user_id,
        expected_reviewed_at,
        expected_reps
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(false);
    }
    let r = rating.number();
    sqlx::query!(
        "insert into drill_reviews (card_id, rating, answer, reviewed_at, interval_secs, due_at)
         values (?, ?, ?, ?, ?, ?)",
        card_id,
        r,
        answer,
        now,
        outcome.interval_secs,
        outcome.due_at
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// Dismisses a card ("not relevant to me") or brings it back (`at` = None). False when the
/// card is not the person's.
pub async fn set_dismissed(
    conn: &mut SqliteConnection,
    card_id: i64,
    user_id: i64,
    at: Option<i64>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query!(
        "update drill_cards set dismissed_at = ?, updated_at = ? where id = ? and user_id = ?",
        at,
        now,
        card_id,
        user_id
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// One drill, as stored.
#[derive(Debug, Clone)]
pub struct Review {
    pub card_id: i64,
    pub rating: i64,
    pub answer: String,
    pub reviewed_at: i64,
    pub interval_secs: i64,
    pub due_at: i64,
}

/// Every drill of a person, oldest first (history and the export).
pub async fn reviews_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query_as!(
        Review,
        r#"select r.card_id, r.rating, r.answer, r.reviewed_at, r.interval_secs, r.due_at
           from drill_reviews r join drill_cards c on c.id = r.card_id
           where c.user_id = ? order by r.id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// The drills of one card of `user_id`, oldest first (the export).
pub async fn reviews_of_card(
    db: impl SqliteExecutor<'_>,
    card_id: i64,
    user_id: i64,
) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query_as!(
        Review,
        r#"select r.card_id, r.rating, r.answer, r.reviewed_at, r.interval_secs, r.due_at
           from drill_reviews r join drill_cards c on c.id = r.card_id
           where r.card_id = ? and c.user_id = ? order by r.id"#,
        card_id,
        user_id
    )
    .fetch_all(db)
    .await
}
