//! Delivery: due `outbox` rows go out through a [`Transport`] with retries and exponential
//! backoff, and the daily reminder digests are queued. The loop that calls both (and moves stale
//! assignments on) is `server::background`; handlers wake it through `AppState::outbox_wake`
//! after they commit new rows.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Tokio1Executor,
    message::{Mailbox, MultiPart},
};

use super::Mail;
use crate::{
    clock,
    config::Config,
    db::{self, outbox::Message},
    state::AppState,
};

/// Messages handled per pass.
const BATCH: i64 = 20;
/// Tries before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 12;
/// The longest wait between two tries.
const MAX_BACKOFF_SECS: i64 = 3600;
/// Lines in one reminder digest at most.
const DIGEST_LINES: usize = 30;

/// Why a delivery did not happen.
#[derive(Debug, Clone)]
pub enum Failure {
    /// Worth trying again later (server down, timeout, 5xx, 429).
    Retry(String),
    /// Trying again cannot help (bad address, 4xx other than 429, channel not configured).
    Permanent(String),
}

/// Delivers one message. The live transport uses SMTP and HTTP; the trait keeps the loop
/// independent of them.
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    async fn deliver(&self, m: &Message) -> Result<(), Failure>;
}

/// SMTP through `lettre` (STARTTLS or TLS as the URL says) and the webhook over HTTP(S).
pub struct Live {
    smtp: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    webhook: Option<(reqwest::Client, String)>,
}

impl Live {
    /// Builds the transports from the configuration; an unusable URL or sender is an error.
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let smtp = match &config.mail.smtp_url {
            None => None,
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| format!("--smtp-url is not usable: {e}"))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build();
                let from = config
                    .mail
                    .from
                    .as_deref()
                    .ok_or("--mail-from is required with --smtp-url")?;
                let from: Mailbox = from
                    .parse()
                    .map_err(|e| format!("--mail-from {from:?} is not an address: {e}"))?;
                Some((transport, from))
            }
        };
        let webhook = match &config.mail.webhook_url {
            None => None,
            Some(url) => {
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(Duration::from_secs(15))
                    .build()
                    .map_err(|e| format!("webhook client: {e}"))?;
                Some((client, url.clone()))
            }
        };
        Ok(Self { smtp, webhook })
    }
}

/// The lettre message for a stored mail.
pub fn build_mail(from: &Mailbox, m: &Message) -> Result<lettre::Message, Failure> {
    let to: Mailbox = m
        .recipient
        .parse()
        .map_err(|e| Failure::Permanent(format!("bad recipient: {e}")))?;
    lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(super::one_line(&m.subject))
        .multipart(MultiPart::alternative_plain_html(
            m.body_text.clone(),
            m.body_html.clone(),
        ))
        .map_err(|e| Failure::Permanent(format!("could not build the mail: {e}")))
}

#[async_trait::async_trait]
impl Transport for Live {
    async fn deliver(&self, m: &Message) -> Result<(), Failure> {
        match m.channel.as_str() {
            "email" => {
                let Some((smtp, from)) = &self.smtp else {
                    return Err(Failure::Retry("mail is not configured (--smtp-url)".into()));
                };
                let mail = build_mail(from, m)?;
                match smtp.send(mail).await {
                    Ok(_) => Ok(()),
                    Err(e) if e.is_permanent() => Err(Failure::Permanent(e.to_string())),
                    Err(e) => Err(Failure::Retry(e.to_string())),
                }
            }
            "webhook" => {
                let Some((client, url)) = &self.webhook else {
                    return Err(Failure::Retry(
                        "the webhook is not configured (--webhook-url)".into(),
                    ));
                };
                let resp = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(m.body_text.clone())
                    .send()
                    .await
                    .map_err(|e| Failure::Retry(format!("webhook: {}", e.without_url())))?;
                let status = resp.status();
                if status.is_success() {
                    Ok(())
                } else if status.is_server_error() || status.as_u16() == 429 {
                    Err(Failure::Retry(format!("webhook answered {status}")))
                } else {
                    Err(Failure::Permanent(format!("webhook answered {status}")))
                }
            }
            other => Err(Failure::Permanent(format!("unknown channel {other}"))),
        }
    }
}

/// The wait before try number `attempts + 1`: `base` doubled per earlier try, at most an hour.
pub fn backoff(base: Duration, attempts: i64) -> i64 {
    let base = i64::try_from(base.as_secs()).unwrap_or(30).max(1);
    let shift = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    base.saturating_mul(1_i64 << shift).min(MAX_BACKOFF_SECS)
}

/// Delivers every due message once, marking each sent, due again later, or failed.
pub async fn deliver_due(state: &AppState, transport: &dyn Transport) -> Result<(), sqlx::Error> {
    let due = {
        let mut conn = state.db.get().await?;
        db::outbox::due(&mut *conn, BATCH).await?
    };
    for m in due {
        let outcome = transport.deliver(&m).await;
        let mut tx = db::begin_write(&state.writer).await?;
        match outcome {
            Ok(()) => {
                db::outbox::mark_sent(&mut *tx, m.id).await?;
                tracing::info!(id = m.id, kind = %m.kind, channel = %m.channel, "notification sent");
            }
            Err(Failure::Retry(e)) if m.attempts + 1 < MAX_ATTEMPTS => {
                let at = clock::now() + backoff(state.config.mail.retry_base, m.attempts);
                db::outbox::mark_attempt_failed(&mut *tx, m.id, &e, Some(at)).await?;
                tracing::warn!(id = m.id, error = %e, attempt = m.attempts + 1, "notification not delivered; will retry");
            }
            Err(Failure::Retry(e) | Failure::Permanent(e)) => {
                db::outbox::mark_attempt_failed(&mut *tx, m.id, &e, None).await?;
                tracing::error!(id = m.id, error = %e, "notification failed for good");
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Enqueues the reminder digests that are due; true when any was queued.
pub async fn queue_reminders(state: &AppState) -> Result<bool, sqlx::Error> {
    let hours = state.config.mail.reminder_hours;
    let now = clock::now();
    let pending = {
        let mut conn = state.db.get().await?;
        db::outbox::pending_reminders(&mut *conn, now - hours * 3600, now - 86_400).await?
    };
    let queued = !pending.is_empty();
    let mut tx = db::begin_write(&state.writer).await?;
    let mut i = 0;
    while i < pending.len() {
        let user = pending[i].user_id;
        let mut lines = Vec::new();
        let mut first_link = None;
        while i < pending.len() && pending[i].user_id == user {
            let p = &pending[i];
            let title = super::title_of(state, &p.slug);
            let link = state.config.link(&format!("/reviews/{}", p.attempt_id));
            first_link.get_or_insert_with(|| state.config.link("/reviews"));
            if lines.len() < DIGEST_LINES {
                lines.push(format!(
                    "{} \u{2014} {} since {}: {}",
                    super::one_line(&title),
                    if p.claimed {
                        "claimed by you, not submitted"
                    } else {
                        "nobody claimed it"
                    },
                    clock::format_datetime(p.requested_at),
                    link
                ));
            }
            i += 1;
        }
        let Some(to) = db::outbox::recipient(&mut *tx, user, super::REMINDERS).await? else {
            continue;
        };
        let mut paragraphs = vec![format!(
            "Hello {}, these reviews have been waiting more than {hours} hours:",
            to.display_name
        )];
        paragraphs.extend(lines);
        let mail = Mail::compose(
            "Reviews waiting for you",
            &paragraphs,
            "Open the review queue",
            first_link.as_deref().unwrap_or_default(),
        );
        super::enqueue_mail(&mut tx, &state.config, super::REMINDERS, &to.email, &mail).await?;
        db::outbox::digest_sent(&mut *tx, user).await?;
    }
    tx.commit().await?;
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(backoff(base, 0), 30);
        assert_eq!(backoff(base, 1), 60);
        assert_eq!(backoff(base, 3), 240);
        assert_eq!(backoff(base, 11), 3600);
        assert_eq!(backoff(base, 500), 3600);
    }

    #[test]
    fn t87_a_mail_has_no_injected_header() {
        let from: Mailbox = "Gauntlet <gauntlet@example.com>".parse().unwrap();
        let m = Message {
            id: 1,
            channel: "email".into(),
            kind: "review_ready".into(),
            recipient: "cand@example.com".into(),
            subject: "Ready: x\r\nBcc: victim@example.com\r\n".into(),
            body_text: "hello".into(),
            body_html: "<p>hello</p>".into(),
            created_at: 0,
            attempts: 0,
            next_attempt_at: 0,
            sent_at: None,
            failed_at: None,
            last_error: String::new(),
        };
        let raw = String::from_utf8(build_mail(&from, &m).unwrap().formatted()).unwrap();
        assert!(!raw.to_ascii_lowercase().contains("\r\nbcc:"), "{raw}");
        let bad = Message {
            recipient: "a@example.com\r\nBcc: victim@example.com".into(),
            ..m
        };
        assert!(matches!(
            build_mail(&from, &bad),
            Err(Failure::Permanent(_))
        ));
    }
}
