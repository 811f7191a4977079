//! Opening a live interview: the candidate's attempt and the session on it, written in the
//! caller's transaction (a start from the overview page, or a sign-up through a live invite).

use crate::{db, practice::Mode};

/// The candidate's attempt and the live session on it (in the caller's transaction), with the
/// start recorded; returns the session's id and the attempt's.
pub(super) async fn open_session(
    tx: &mut sqlx::SqliteConnection,
    (interviewer, candidate): (i64, &db::users::User),
    (slug, version): (&str, &str),
    scheduled_at: Option<i64>,
    expires_at: i64,
) -> Result<(i64, i64), sqlx::Error> {
    let mode = Mode::Interview.as_str();
    let attempt = db::attempts::create(&mut *tx, candidate.id, slug, version, mode).await?;
    let id = db::live::create(
        &mut *tx,
        attempt,
        interviewer,
        candidate.id,
        scheduled_at,
        expires_at,
    )
    .await?;
    db::live::record_control(&mut *tx, id, interviewer, "start", &candidate.display_name).await?;
    Ok((id, attempt))
}
