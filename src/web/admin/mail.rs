//! Admin: the mail outbox (with retry) and the "waiting longest" view.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use crate::web::{
    error::{AppError, Result},
    extract::RequireAdmin,
    layout::Chrome,
};
use crate::{
    auth::session,
    clock,
    db::{
        self,
        outbox::{Counts, Message},
        reviews::Waiting,
    },
    state::AppState,
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/mail.html")]
struct MailPage {
    chrome: Chrome,
    counts: Counts,
    messages: Vec<Message>,
    smtp: bool,
    webhook: bool,
}

impl MailPage {
    fn when(&self, ts: &i64) -> String {
        clock::format_datetime(*ts)
    }
}

/// Messages listed on the mail page.
const MAIL_SHOWN: i64 = 200;

/// `GET /admin/mail`: queued, sent and failed notifications.
pub async fn mail_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    Ok(MailPage {
        chrome,
        counts: db::outbox::counts(&mut *conn).await?,
        messages: db::outbox::recent(&mut *conn, MAIL_SHOWN).await?,
        smtp: state.config.mail.smtp_url.is_some(),
        webhook: state.config.mail.webhook_url.is_some(),
    })
}

/// `POST /admin/mail/{id}/retry`: puts a failed message back in the queue (404 for an
/// unknown id; a message that has not failed is left alone).
pub async fn retry_mail(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = db::begin_write(&state.writer).await?;
    if !db::outbox::exists(&mut *tx, id).await? {
        return Err(AppError::NotFound);
    }
    let again = db::outbox::retry(&mut *tx, id).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let msg = if again {
        tracing::info!(
            admin = me.id,
            message = id,
            "failed notification queued again"
        );
        ("success", "Queued again; the sender tries it now.")
    } else {
        (
            "info",
            "That message has not failed (or does not exist); nothing changed.",
        )
    };
    session::flash(&session, msg.0, msg.1).await?;
    Ok(Redirect::to("/admin/mail").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/waiting.html")]
struct WaitingPage {
    chrome: Chrome,
    rows: Vec<Waiting>,
}

impl WaitingPage {
    fn waited(&self, w: &Waiting) -> String {
        let secs = (clock::now() - w.requested_at).max(0);
        match secs {
            s if s < 3600 => format!("{} min", s / 60),
            s if s < 2 * 86_400 => format!("{} h", s / 3600),
            s => format!("{} days", s / 86_400),
        }
    }
}

/// `GET /admin/waiting`: review requests without a final review, the longest-waiting first.
pub async fn waiting_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    Ok(WaitingPage {
        chrome,
        rows: db::reviews::waiting_longest(&mut *state.db.get().await?).await?,
    })
}
