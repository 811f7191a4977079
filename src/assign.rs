//! Reviewer assignment (Admin → Settings): manual claiming, round-robin or least-loaded among
//! interviewers (optionally only those who opted into the gauntlet), and moving an assignment
//! nobody started after the configured hours to the next interviewer.

use sqlx::SqliteConnection;

use crate::{
    clock,
    db::{
        self,
        reviews::Candidate,
        settings::{AssignmentMode, Settings},
    },
    notify,
    state::AppState,
};

/// Picks an interviewer from `pool` (sorted by id), never one in `skip`. Round-robin takes the
/// first id after `last` (wrapping); least-loaded the smallest load, then the lowest id. With
/// `categories`, least-loaded looks only at interviewers who opted in, when any did.
pub fn choose(
    mode: AssignmentMode,
    pool: &[Candidate],
    skip: &[i64],
    last: i64,
    categories: bool,
) -> Option<i64> {
    let open: Vec<&Candidate> = pool.iter().filter(|c| !skip.contains(&c.id)).collect();
    match mode {
        AssignmentMode::Manual => None,
        AssignmentMode::RoundRobin => open
            .iter()
            .find(|c| c.id > last)
            .or_else(|| open.first())
            .map(|c| c.id),
        AssignmentMode::LeastLoaded => {
            let opted: Vec<&&Candidate> = open.iter().filter(|c| c.opted_in).collect();
            let among: Vec<&Candidate> = if categories && !opted.is_empty() {
                opted.into_iter().copied().collect()
            } else {
                open
            };
            among.iter().min_by_key(|c| (c.load, c.id)).map(|c| c.id)
        }
    }
}

/// Assigns a request just made (inside the caller's write transaction), per the settings;
/// `None` in manual mode or when no interviewer is available.
pub async fn on_request(
    conn: &mut SqliteConnection,
    settings: &Settings,
    attempt_id: i64,
    owner: i64,
    slug: &str,
    skip: &[i64],
) -> Result<Option<i64>, sqlx::Error> {
    if settings.assignment == AssignmentMode::Manual {
        return Ok(None);
    }
    let pool = db::reviews::assignable(&mut *conn, owner, slug).await?;
    let last = db::settings::last_assigned(&mut *conn).await?;
    let Some(pick) = choose(
        settings.assignment,
        &pool,
        skip,
        last,
        settings.assignment_categories,
    ) else {
        return Ok(None);
    };
    db::reviews::assign(&mut *conn, attempt_id, pick).await?;
    if settings.assignment == AssignmentMode::RoundRobin {
        db::settings::set_last_assigned(&mut *conn, pick).await?;
    }
    Ok(Some(pick))
}

/// Moves every assignment nobody started within the configured hours to the next interviewer
/// (who is notified); returns how many moved. Run by the background sender's upkeep.
pub async fn move_stale(state: &AppState) -> Result<usize, sqlx::Error> {
    let mut tx = db::begin_write(&state.writer).await?;
    let settings = db::settings::load(&mut *tx).await?;
    if settings.assignment == AssignmentMode::Manual {
        return Ok(0);
    }
    let cutoff = clock::now() - settings.assignment_hours * 3600;
    let stale = db::reviews::stale_assignments(&mut *tx, cutoff).await?;
    let mut moved = 0;
    for s in stale {
        let next = on_request(
            &mut tx,
            &settings,
            s.attempt_id,
            s.owner,
            &s.slug,
            &[s.assigned_to],
        )
        .await?;
        match next {
            Some(to) => {
                moved += 1;
                tracing::info!(
                    attempt = s.attempt_id,
                    from = s.assigned_to,
                    to,
                    "assignment moved on"
                );
                let title = notify::title_of(state, &s.slug);
                notify::assigned_to(&mut tx, &state.config, s.attempt_id, to, &title).await?;
            }
            // nobody else: the same interviewer keeps it, with a fresh clock
            None => db::reviews::assign(&mut *tx, s.attempt_id, s.assigned_to).await?,
        }
    }
    tx.commit().await?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, load: i64, opted_in: bool) -> Candidate {
        Candidate { id, load, opted_in }
    }

    #[test]
    fn round_robin_takes_turns_and_wraps() {
        let pool = [c(2, 0, false), c(5, 0, false), c(9, 0, false)];
        let rr = AssignmentMode::RoundRobin;
        assert_eq!(choose(rr, &pool, &[], 0, false), Some(2));
        assert_eq!(choose(rr, &pool, &[], 2, false), Some(5));
        assert_eq!(choose(rr, &pool, &[], 9, false), Some(2));
        assert_eq!(choose(rr, &pool, &[5], 2, false), Some(9));
        assert_eq!(choose(rr, &[], &[], 0, false), None);
        assert_eq!(choose(AssignmentMode::Manual, &pool, &[], 0, false), None);
    }

    #[test]
    fn least_loaded_prefers_the_idle_and_opted_in() {
        let pool = [c(2, 3, false), c(5, 1, true), c(9, 0, false)];
        let ll = AssignmentMode::LeastLoaded;
        assert_eq!(choose(ll, &pool, &[], 0, false), Some(9));
        assert_eq!(choose(ll, &pool, &[], 0, true), Some(5));
        assert_eq!(
            choose(ll, &pool, &[5], 0, true),
            Some(9),
            "no opted-in one left"
        );
        assert_eq!(
            choose(ll, &[c(4, 1, false), c(3, 1, false)], &[], 0, false),
            Some(3)
        );
    }
}
