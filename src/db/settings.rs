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

/// All settings, read together.
#[derive(Debug, Clone)]
pub struct Settings {
    pub registration: RegistrationMode,
    pub blind_review: bool,
}

pub async fn load(db: impl SqliteExecutor<'_>) -> Result<Settings, sqlx::Error> {
    let rows = sqlx::query!(r#"select key as "key!", value from settings"#)
        .fetch_all(db)
        .await?;
    let mut s = Settings {
        registration: RegistrationMode::InviteOnly,
        blind_review: false,
    };
    for row in rows {
        match row.key.as_str() {
            "registration_mode" => {
                s.registration =
                    RegistrationMode::parse(&row.value).unwrap_or(RegistrationMode::InviteOnly)
            }
            "blind_review" => s.blind_review = row.value == "on",
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
    .await
}

async fn put(db: impl SqliteExecutor<'_>, key: &str, value: &str) -> Result<(), sqlx::Error> {
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
