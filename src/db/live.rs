//! The `live_sessions`, `live_controls`, `live_notes` and `live_invites` tables.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::{
    clock,
    live::{FollowUp, Phase, Session, StoredPhase},
};

/// One live session with both people's names and the gauntlet it runs.
#[derive(Debug, Clone)]
pub struct LiveRow {
    pub id: i64,
    pub attempt_id: i64,
    pub interviewer_id: i64,
    pub candidate_id: i64,
    pub phase: StoredPhase,
    pub round: i64,
    pub follow_up: FollowUp,
    pub allow_advance: i64,
    pub timer_started_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub paused_secs: i64,
    pub nudge: String,
    pub nudge_at: Option<i64>,
    pub scheduled_at: Option<i64>,
    pub expires_at: i64,
    pub joined_at: Option<i64>,
    pub created_at: i64,
    pub ended_at: Option<i64>,
    pub interviewer_name: String,
    pub candidate_name: String,
    pub slug: String,
    pub version: String,
}

impl LiveRow {
    /// The state machine's view of the row, for a gauntlet of `rounds` rounds.
    pub fn session(&self, rounds: u32) -> Session {
        Session {
            phase: if self.ended_at.is_some() {
                Phase::Debrief
            } else {
                Phase::from_stored(self.phase, self.round)
            },
            follow_up: self.follow_up,
            allow_advance: self.allow_advance != 0,
            timer_started_at: self.timer_started_at,
            paused_at: self.paused_at,
            paused_secs: self.paused_secs,
            rounds,
        }
    }

    /// Over, or never joined before it expired.
    pub fn is_closed(&self, now: i64) -> bool {
        self.ended_at.is_some() || (self.joined_at.is_none() && now >= self.expires_at)
    }
}

/// Creates a session in the lobby; returns its id.
pub async fn create(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    interviewer: i64,
    candidate: i64,
    scheduled_at: Option<i64>,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into live_sessions (attempt_id, interviewer_id, candidate_id, scheduled_at, expires_at, created_at)
           values (?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        attempt_id,
        interviewer,
        candidate,
        scheduled_at,
        expires_at,
        now
    )
    .fetch_one(conn)
    .await
}

/// A query for [`LiveRow`]s: its one column list and joins, then `$rest` (the where clause and
/// order), so that the three readers cannot drift apart. sqlx checks the joined text as one.
macro_rules! live_rows {
    ($rest:literal, $($arg:expr),+ $(,)?) => {
        sqlx::query_as!(
            LiveRow,
            r#"select s.id as "id!", s.attempt_id, s.interviewer_id, s.candidate_id,
                      s.phase as "phase: StoredPhase", s.round, s.follow_up as "follow_up: FollowUp",
                      s.allow_advance, s.timer_started_at, s.paused_at, s.paused_secs,
                      s.nudge, s.nudge_at, s.scheduled_at, s.expires_at, s.joined_at, s.created_at,
                      s.ended_at, i.display_name as interviewer_name, c.display_name as candidate_name,
                      a.slug, a.version
               from live_sessions s join users i on i.id = s.interviewer_id
                    join users c on c.id = s.candidate_id join attempts a on a.id = s.attempt_id
               "# + $rest,
            $($arg),+
        )
    };
}

/// One session by id.
pub async fn get(db: impl SqliteExecutor<'_>, id: i64) -> Result<Option<LiveRow>, sqlx::Error> {
    live_rows!("where s.id = ?", id).fetch_optional(db).await
}

/// The session an attempt is answered in, if any.
pub async fn for_attempt(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Option<LiveRow>, sqlx::Error> {
    live_rows!("where s.attempt_id = ?", attempt_id)
        .fetch_optional(db)
        .await
}

/// Sessions not ended where `user` is the interviewer or the candidate, newest first (the home
/// page drops the expired ones).
pub async fn open_for_user(
    db: impl SqliteExecutor<'_>,
    user: i64,
) -> Result<Vec<LiveRow>, sqlx::Error> {
    live_rows!(
        r#"where s.ended_at is null and (s.candidate_id = ?1 or s.interviewer_id = ?1)
           order by s.id desc limit 20"#,
        user
    )
    .fetch_all(db)
    .await
}

/// Stores the state machine's state (and `ended_at` once it is over).
pub async fn put_state(
    conn: &mut SqliteConnection,
    id: i64,
    s: &Session,
) -> Result<(), sqlx::Error> {
    let phase = s.phase.stored();
    let round = i64::from(s.phase.round());
    let follow_up = s.follow_up;
    let allow = i64::from(s.allow_advance);
    let ended = s.is_over().then(clock::now);
    sqlx::query!(
        "update live_sessions set phase = ?, round = case when ? = 'debrief' then round else ? end,
                follow_up = ?, allow_advance = ?, timer_started_at = ?, paused_at = ?,
                paused_secs = ?, ended_at = coalesce(ended_at, ?)
         where id = ?",
        phase,
        phase,
        round,
        follow_up,
        allow,
        s.timer_started_at,
        s.paused_at,
        s.paused_secs,
        ended,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a control: who, what, when.
pub async fn record_control(
    conn: &mut SqliteConnection,
    id: i64,
    actor: i64,
    action: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into live_controls (session_id, actor_id, action, detail, at) values (?, ?, ?, ?, ?)",
        id,
        actor,
        action,
        detail,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A recorded control with its actor's name.
#[derive(Debug, Clone)]
pub struct ControlRow {
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub at: i64,
}

/// The newest controls of a session, newest first.
pub async fn controls(
    db: impl SqliteExecutor<'_>,
    id: i64,
) -> Result<Vec<ControlRow>, sqlx::Error> {
    sqlx::query_as!(
        ControlRow,
        r#"select u.display_name as actor, c.action, c.detail, c.at
           from live_controls c join users u on u.id = c.actor_id
           where c.session_id = ? order by c.id desc limit 50"#,
        id
    )
    .fetch_all(db)
    .await
}

pub async fn set_nudge(
    conn: &mut SqliteConnection,
    id: i64,
    text: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update live_sessions set nudge = ?, nudge_at = ? where id = ?",
        text,
        at,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Records the candidate's first arrival (idempotent).
pub async fn mark_joined(conn: &mut SqliteConnection, id: i64) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update live_sessions set joined_at = ? where id = ? and joined_at is null",
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A private note of the interviewer.
#[derive(Debug, Clone)]
pub struct Note {
    pub id: i64,
    pub round_number: i64,
    pub quote: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn notes(db: impl SqliteExecutor<'_>, id: i64) -> Result<Vec<Note>, sqlx::Error> {
    sqlx::query_as!(
        Note,
        r#"select id as "id!", round_number, quote, body, created_at
           from live_notes where session_id = ? order by id"#,
        id
    )
    .fetch_all(db)
    .await
}

pub async fn add_note(
    conn: &mut SqliteConnection,
    id: i64,
    round: i64,
    quote: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into live_notes (session_id, round_number, quote, body, created_at)
           values (?, ?, ?, ?, ?) returning id as "id!: i64""#,
        id,
        round,
        quote,
        body,
        now
    )
    .fetch_one(conn)
    .await
}

/// A live interview waiting for its candidate to accept the invite (`live_invites`).
#[derive(Debug, Clone)]
pub struct PendingInvite {
    pub id: i64,
    pub interviewer_id: i64,
    pub slug: String,
    pub version: String,
    pub email: String,
    pub scheduled_at: Option<i64>,
    pub expires_at: i64,
    pub session_id: Option<i64>,
}

/// Ties the candidate invite `invite_id` to a live interview of `slug`@`version`.
pub async fn create_invite(
    conn: &mut SqliteConnection,
    invite_id: i64,
    interviewer: i64,
    (slug, version): (&str, &str),
    email: &str,
    scheduled_at: Option<i64>,
    expires_at: i64,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into live_invites (invite_id, interviewer_id, slug, version, email, scheduled_at, expires_at, created_at)
           values (?, ?, ?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        invite_id,
        interviewer,
        slug,
        version,
        email,
        scheduled_at,
        expires_at,
        now
    )
    .fetch_one(conn)
    .await
}

/// One pending live invite by id.
pub async fn pending_invite(
    db: impl SqliteExecutor<'_>,
    id: i64,
) -> Result<Option<PendingInvite>, sqlx::Error> {
    sqlx::query_as!(
        PendingInvite,
        r#"select id as "id!", interviewer_id, slug, version, email, scheduled_at, expires_at,
                  session_id
           from live_invites where id = ?"#,
        id
    )
    .fetch_optional(db)
    .await
}

/// The live interview the invite with this token hash opens, if it has not opened it yet.
pub async fn invite_to_claim(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
) -> Result<Option<PendingInvite>, sqlx::Error> {
    sqlx::query_as!(
        PendingInvite,
        r#"select l.id as "id!", l.interviewer_id, l.slug, l.version, l.email, l.scheduled_at,
                  l.expires_at, l.session_id
           from live_invites l join invites i on i.id = l.invite_id
           where i.token_hash = ? and l.session_id is null"#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

/// Records the session a live invite opened.
pub async fn set_invite_session(
    conn: &mut SqliteConnection,
    id: i64,
    session: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update live_invites set session_id = ? where id = ? and session_id is null",
        session,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every phase and follow-up state a session can be in is stored and read back as it was,
    /// through the typed columns.
    #[tokio::test]
    async fn a_session_state_is_read_back_as_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = crate::db::open(&dir.path().join("live.db"), crate::db::Create::IfMissing)
            .await
            .expect("a migrated database");
        let mut conn = pool.acquire().await.expect("a connection");
        sqlx::raw_sql(
            "insert into users (id, email, display_name, password_hash, role, created_at, updated_at)
             values (1, 'c@x.test', 'Cand', 'x', 'candidate', 0, 0),
                    (2, 'i@x.test', 'Int', 'x', 'interviewer', 0, 0);
             insert into gauntlet_versions (slug, version, title, source, first_seen_at)
             values ('g', 'v1', 'G', '', 0);
             insert into attempts (id, user_id, slug, version, mode, started_at)
             values (1, 1, 'g', 'v1', 'interview', 0);",
        )
        .execute(&mut *conn)
        .await
        .expect("arrange the rows");
        let id = create(&mut conn, 1, 2, 1, None, i64::MAX)
            .await
            .expect("create");
        let fresh = get(&mut *conn, id)
            .await
            .expect("read")
            .expect("the session");
        assert_eq!(
            fresh.session(5),
            Session::new(5),
            "a new session is in the lobby"
        );

        for (phase, follow_up) in [
            (Phase::Round(1), FollowUp::Held),
            (Phase::Round(3), FollowUp::Asked),
            (Phase::Round(5), FollowUp::Skipped),
            (Phase::Debrief, FollowUp::Held),
        ] {
            let state = Session {
                phase,
                follow_up,
                ..Session::new(5)
            };
            put_state(&mut conn, id, &state).await.expect("store");
            let row = get(&mut *conn, id)
                .await
                .expect("read")
                .expect("the session");
            assert_eq!(row.session(5).phase, phase);
            assert_eq!(row.session(5).follow_up, follow_up);
        }
    }
}
