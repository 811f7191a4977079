//! Notifications: what is sent, to whom, and through which channel. Handlers call the
//! functions here inside their write transaction; each only inserts `outbox` rows (and the
//! handler wakes the sender after the commit). Delivery, retries and the daily reminder digest
//! belong to [`sender`], the one background task started with the server.

pub mod sender;

use sqlx::SqliteConnection;

use crate::{
    config::Config,
    db::{
        self,
        outbox::{NewMessage, Recipient},
    },
};

/// The kinds of mail a person can turn off on their account page.
pub const OPTIONAL_KINDS: [(&str, &str); 4] = [
    (
        REVIEW_REQUESTED,
        "A candidate asked for a review (interviewers)",
    ),
    (ASSIGNED, "A review was assigned to me (interviewers)"),
    (
        REMINDERS,
        "Daily reminder of reviews waiting (interviewers)",
    ),
    (REVIEW_READY, "My review is ready"),
];

pub const REVIEW_REQUESTED: &str = "review_requested";
pub const ASSIGNED: &str = "assigned";
pub const REVIEW_READY: &str = "review_ready";
pub const REMINDERS: &str = "reminders";
pub const INVITE: &str = "invite";
pub const PASSWORD_RESET: &str = "password_reset";
pub const WEBHOOK: &str = "webhook";

/// A gauntlet's title for messages (its slug when it is no longer loaded).
pub fn title_of(state: &crate::state::AppState, slug: &str) -> String {
    state
        .content
        .current()
        .get(slug)
        .map_or_else(|| slug.to_string(), |e| e.gauntlet.title.clone())
}

/// The longest subject line sent, in characters.
const MAX_SUBJECT_CHARS: usize = 150;

/// One line for a header: control characters (CR and LF above all) become spaces, runs of
/// spaces collapse, and the text is cut at `MAX_SUBJECT_CHARS`. Header injection is refused
/// here and again by the mail library's typed headers.
pub fn one_line(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    words.join(" ").chars().take(MAX_SUBJECT_CHARS).collect()
}

/// Escapes text for the HTML part.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for a Slack-compatible message (`&`, `<`, `>` are its control characters).
pub fn escape_slack(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A composed mail: subject, plain text and HTML with the same paragraphs and one link.
#[derive(Debug, Clone)]
pub struct Mail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// Paragraphs of plain text, then a link (an absolute URL built from `--public-url`).
    pub fn compose(subject: &str, paragraphs: &[String], link_label: &str, link: &str) -> Self {
        let mut text = String::new();
        let mut html = String::from("<!doctype html><html><body>");
        for p in paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str("<p>");
            html.push_str(&escape_html(p));
            html.push_str("</p>");
        }
        text.push_str(&format!("{link_label}:\n{link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p></body></html>",
            escape_html(link),
            escape_html(link_label)
        ));
        Self {
            subject: one_line(subject),
            text,
            html,
        }
    }
}

/// Stores a mail to `to` if mail is configured.
pub async fn enqueue_mail(
    conn: &mut SqliteConnection,
    config: &Config,
    kind: &str,
    to: &str,
    mail: &Mail,
) -> Result<(), sqlx::Error> {
    if config.mail.smtp_url.is_none() {
        return Ok(());
    }
    db::outbox::enqueue(
        &mut *conn,
        &NewMessage {
            channel: "email",
            kind,
            recipient: to,
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: &mail.html,
        },
    )
    .await?;
    Ok(())
}

/// Stores a webhook call (Slack-compatible `{"text": …}`) if a webhook is configured.
pub async fn enqueue_webhook(
    conn: &mut SqliteConnection,
    config: &Config,
    kind: &str,
    text: &str,
) -> Result<(), sqlx::Error> {
    if config.mail.webhook_url.is_none() {
        return Ok(());
    }
    let body = serde_json::json!({ "text": text }).to_string();
    let subject = one_line(text);
    db::outbox::enqueue(
        &mut *conn,
        &NewMessage {
            channel: "webhook",
            kind,
            recipient: WEBHOOK,
            subject: &subject,
            body_text: &body,
            body_html: "",
        },
    )
    .await?;
    Ok(())
}

/// A candidate asked for a review: the assigned interviewer (or every interviewer with the
/// kind on, when nobody is assigned) gets a mail; the site webhook hears of it. Mails never
/// name the candidate (blind review may be on).
pub async fn review_requested(
    conn: &mut SqliteConnection,
    config: &Config,
    attempt_id: i64,
    owner: i64,
    title: &str,
    assigned: Option<i64>,
) -> Result<(), sqlx::Error> {
    let link = config.link(&format!("/reviews/{attempt_id}"));
    match assigned {
        Some(reviewer) => assigned_to(conn, config, attempt_id, reviewer, title).await?,
        None => {
            let mail = Mail::compose(
                &format!("Review requested: {title}"),
                &[format!(
                    "A candidate finished \u{201c}{title}\u{201d} and asked for a review. Any interviewer may claim it."
                )],
                "Open the review",
                &link,
            );
            for r in db::outbox::reviewers_wanting(&mut *conn, REVIEW_REQUESTED, owner).await? {
                enqueue_mail(conn, config, REVIEW_REQUESTED, &r.email, &mail).await?;
            }
        }
    }
    let text = format!(
        "Review requested: {} <{}|open>",
        escape_slack(&one_line(title)),
        escape_slack(&link)
    );
    enqueue_webhook(conn, config, REVIEW_REQUESTED, &text).await
}

/// A request was assigned to `reviewer`: they get a mail (unless turned off).
pub async fn assigned_to(
    conn: &mut SqliteConnection,
    config: &Config,
    attempt_id: i64,
    reviewer: i64,
    title: &str,
) -> Result<(), sqlx::Error> {
    let Some(r) = db::outbox::recipient(&mut *conn, reviewer, ASSIGNED).await? else {
        return Ok(());
    };
    let link = config.link(&format!("/reviews/{attempt_id}"));
    let mail = Mail::compose(
        &format!("Review assigned to you: {title}"),
        &[format!(
            "Hello {}, a review of \u{201c}{title}\u{201d} was assigned to you. If nobody starts it in time it moves on to another interviewer.",
            r.display_name
        )],
        "Open the review",
        &link,
    );
    enqueue_mail(conn, config, ASSIGNED, &r.email, &mail).await
}

/// A review was submitted: the candidate hears that it is ready; so does the webhook.
pub async fn review_ready(
    conn: &mut SqliteConnection,
    config: &Config,
    attempt_id: i64,
    owner: i64,
    title: &str,
) -> Result<(), sqlx::Error> {
    let link = config.link(&format!("/attempts/{attempt_id}/debrief"));
    if let Some(r) = db::outbox::recipient(&mut *conn, owner, REVIEW_READY).await? {
        let mail = Mail::compose(
            &format!("Your review is ready: {title}"),
            &[format!(
                "Hello {}, an interviewer finished reviewing your attempt at \u{201c}{title}\u{201d}.",
                r.display_name
            )],
            "Read the review",
            &link,
        );
        enqueue_mail(conn, config, REVIEW_READY, &r.email, &mail).await?;
    }
    let text = format!("Review submitted: {}", escape_slack(&one_line(title)));
    enqueue_webhook(conn, config, "review_submitted", &text).await
}

/// An invitation sent by mail (the link is the invite link an admin would copy).
pub async fn invite(
    conn: &mut SqliteConnection,
    config: &Config,
    to: &str,
    link: &str,
    days: i64,
) -> Result<(), sqlx::Error> {
    let mail = Mail::compose(
        "You are invited to Gauntlet",
        &[format!(
            "You were invited to practise interview gauntlets on {}. The link works once and for {days} days.",
            config.public_origin()
        )],
        "Create your account",
        link,
    );
    enqueue_mail(conn, config, INVITE, to, &mail).await
}

/// A password reset link (valid one hour, single use).
pub async fn password_reset(
    conn: &mut SqliteConnection,
    config: &Config,
    to: &Recipient,
    link: &str,
) -> Result<(), sqlx::Error> {
    let mail = Mail::compose(
        "Reset your Gauntlet password",
        &[
            format!(
                "Hello {}, someone (we hope you) asked to reset the password of this account.",
                to.display_name
            ),
            "The link works once and for one hour. If you did not ask, ignore this mail: your password stays as it is.".to_string(),
        ],
        "Choose a new password",
        link,
    );
    enqueue_mail(conn, config, PASSWORD_RESET, &to.email, &mail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t87_subjects_are_one_line_and_html_is_escaped() {
        let m = Mail::compose(
            "Review requested: x\r\nBcc: victim@example.com",
            &["<script>alert(1)</script> & co".to_string()],
            "Open",
            "https://g.example.com/reviews/1?a=\"b\"",
        );
        assert_eq!(m.subject, "Review requested: x Bcc: victim@example.com");
        assert!(!m.subject.contains(['\r', '\n']));
        assert!(
            m.html
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        );
        assert!(!m.html.contains("<script>"));
        assert!(
            m.html
                .contains("href=\"https://g.example.com/reviews/1?a=&quot;b&quot;\"")
        );
        assert_eq!(
            one_line(&"é".repeat(400)).chars().count(),
            MAX_SUBJECT_CHARS
        );
    }

    #[test]
    fn t89_webhook_text_escapes_slack_control_characters() {
        assert_eq!(
            escape_slack("<!channel> & <https://evil.example|x>"),
            "&lt;!channel&gt; &amp; &lt;https://evil.example|x&gt;"
        );
    }
}
