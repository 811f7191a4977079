//! The one background task beside the accept loop: it moves stale reviewer assignments on,
//! queues the reminder digests that are due and delivers the outbox. It sits above `assign` and
//! `notify` so that neither has to call the other's upkeep.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use crate::{
    assign, clock, db,
    notify::sender::{self, Transport},
    state::AppState,
};

/// Runs until the task is aborted at shutdown.
pub async fn run(state: AppState, transport: Arc<dyn Transport>) {
    let every = state.config.mail.upkeep_interval;
    let mut last_upkeep: Option<Instant> = None;
    loop {
        if last_upkeep.is_none_or(|t| t.elapsed() >= every) {
            upkeep(&state).await;
            last_upkeep = Some(Instant::now());
        }
        if let Err(e) = sender::deliver_due(&state, transport.as_ref()).await {
            tracing::warn!(error = %e, "outbox pass failed");
        }
        let next = match state.db.get().await {
            Ok(mut conn) => db::outbox::next_due(&mut *conn).await.ok().flatten(),
            Err(_) => None,
        };
        let mut wait = every.saturating_sub(last_upkeep.map_or(Duration::ZERO, |t| t.elapsed()));
        if let Some(at) = next {
            let secs = u64::try_from((at - clock::now()).max(0)).unwrap_or(0);
            wait = wait.min(Duration::from_secs(secs));
        }
        let wait = wait.max(Duration::from_millis(250));
        tokio::select! {
            () = state.outbox_wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// The periodic part: assignments first (a moved one mails its new interviewer), then digests.
/// Each half logs its own failure so one cannot starve the other.
async fn upkeep(state: &AppState) {
    if let Err(e) = assign::move_stale(state).await {
        tracing::warn!(error = %e, "moving stale assignments failed");
    }
    if let Err(e) = sender::queue_reminders(state).await {
        tracing::warn!(error = %e, "queueing reminder digests failed");
    }
}
