//! The `settings` table: site-wide switches an admin can change.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::clock;

/// Who may create an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    /// Only through an invite link (the default).
    InviteOnly,
    /// Anyone who can reach the site may sign up as a candidate.
    Open,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InviteOnly => "invite",
            Self::Open => "open",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "invite" => Some(Self::InviteOnly),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

/// How a new review request finds its interviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentMode {
    /// Interviewers claim requests from the queue themselves (the default).
    Manual,
    /// Each request goes to the next interviewer in turn.
    RoundRobin,
    /// Each request goes to the interviewer with the fewest open reviews.
    LeastLoaded,
}

impl AssignmentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::RoundRobin => "round_robin",
            Self::LeastLoaded => "least_loaded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manual" => Some(Self::Manual),
            "round_robin" => Some(Self::RoundRobin),
            "least_loaded" => Some(Self::LeastLoaded),
            _ => None,
        }
    }
}

/// The most hours an assignment may wait before it moves on (a setting's upper bound).
pub const MAX_ASSIGNMENT_HOURS: i64 = 24 * 14;

/// All settings, read together.
#[derive(Debug, Clone)]
pub struct Settings {
    pub registration: RegistrationMode,
    pub blind_review: bool,
    pub assignment: AssignmentMode,
    /// An assignment not started (claimed) after this many hours moves to the next interviewer.
    pub assignment_hours: i64,
    /// Least-loaded picks only interviewers who opted into the gauntlet (when any did).
    pub assignment_categories: bool,
}

pub async fn load(db: impl SqliteExecutor<'_>) -> Result<Settings, sqlx::Error> {
    let rows = sqlx::query!(r#"select key as "key!", value from settings"#)
        .fetch_all(db)
        .await?;
    let mut s = Settings {
        registration: RegistrationMode::InviteOnly,
        blind_review: false,
        assignment: AssignmentMode::Manual,
        assignment_hours: 24,
        assignment_categories: false,
    };
    for row in rows {
        match row.key.as_str() {
            "registration_mode" => {
                s.registration =
                    RegistrationMode::parse(&row.value).unwrap_or(RegistrationMode::InviteOnly)
            }
            "blind_review" => s.blind_review = row.value == "on",
            "assignment_mode" => {
                s.assignment = AssignmentMode::parse(&row.value).unwrap_or(AssignmentMode::Manual)
            }
            "assignment_hours" => {
                s.assignment_hours = row
                    .value
                    .parse()
                    .ok()
                    .filter(|h| (1..=MAX_ASSIGNMENT_HOURS).contains(h))
                    .unwrap_or(24)
            }
            "assignment_categories" => s.assignment_categories = row.value == "on",
            _ => {}
        }
    }
    Ok(s)
}

pub async fn save(conn: &mut SqliteConnection, s: &Settings) -> Result<(), sqlx::Error> {
    put(&mut *conn, "registration_mode", s.registration.as_str()).await?;
    put(
        &mut *conn,
        "blind_review",
        if s.blind_review { "on" } else { "off" },
    )
    .await?;
    put(&mut *conn, "assignment_mode", s.assignment.as_str()).await?;
    put(
        &mut *conn,
        "assignment_hours",
        &s.assignment_hours.to_string(),
    )
    .await?;
    put(
        &mut *conn,
        "assignment_categories",
        if s.assignment_categories { "on" } else { "off" },
    )
    .await
}

/// The interviewer round-robin assigned last (0: nobody yet).
pub async fn last_assigned(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    let v = sqlx::query_scalar!("select value from settings where key = 'assignment_last'")
        .fetch_optional(db)
        .await?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub async fn set_last_assigned(db: impl SqliteExecutor<'_>, user: i64) -> Result<(), sqlx::Error> {
    put(db, "assignment_last", &user.to_string()).await
}

/// Stores one setting, replacing its value.
pub(super) async fn put(
    db: impl SqliteExecutor<'_>,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into settings (key, value, updated_at) values (?, ?, ?)
         on conflict (key) do update set value = excluded.value, updated_at = excluded.updated_at",
        key,
        value,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}
