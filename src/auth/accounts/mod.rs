//! Accounts as use cases, without HTTP: registering through the setup link, an invite or open
//! sign-up (`register`), creating one from the command line (`create_with_password`), and
//! signing in through the identity provider (`sso`). The web handlers and the CLI call these.

pub mod sso;

use std::net::IpAddr;

use sqlx::SqlitePool;

use super::{
    Role,
    password::{self, HashError, Passwords},
    throttle::{LoginThrottle, RetryAfter},
    tokens,
};
use crate::db::{
    self,
    readers::Readers,
    settings::RegistrationMode,
    users::{self, User},
};

/// The longest display name accepted, in characters (Unicode scalar values).
pub const MAX_NAME_CHARS: usize = 80;
/// The longest email address accepted, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;

/// What the use cases need from the running site.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub db: &'a Readers,
    pub writer: &'a SqlitePool,
    pub passwords: &'a Passwords,
    pub throttle: &'a LoginThrottle,
    /// What else a used invite opens (a live interview it was made for), if anything.
    pub invite_follow_up: Option<&'a dyn InviteFollowUp>,
}

/// More that a used invite opens, done inside the sign-up's own transaction so the account and
/// what the invite promised exist together or not at all.
#[async_trait::async_trait]
pub trait InviteFollowUp: Send + Sync {
    /// Called after the invite with `token_hash` was used by the new account `user`; returns
    /// where the new account should land instead of home.
    async fn opened(
        &self,
        tx: &mut sqlx::SqliteConnection,
        token_hash: &str,
        user: i64,
    ) -> Result<Option<String>, sqlx::Error>;

    /// The address the invite with `token_hash` was made for, when it is bound to one: the
    /// account it creates must have that address.
    async fn addressed_to(
        &self,
        conn: &mut sqlx::SqliteConnection,
        token_hash: &str,
    ) -> Result<Option<String>, sqlx::Error>;
}

/// The address an account made through `grant` must have, when the grant is an invite bound
/// to one (a live interview's invite names its candidate's address); `None`: any address.
pub async fn bound_address(deps: Deps<'_>, grant: &Grant) -> Result<Option<String>, sqlx::Error> {
    let (Grant::Invite(token), Some(follow)) = (grant, deps.invite_follow_up) else {
        return Ok(None);
    };
    if !tokens::looks_like_token(token) {
        return Ok(None);
    }
    let mut conn = deps.db.get().await?;
    let bound = follow
        .addressed_to(&mut conn, &tokens::hash_token(token))
        .await?;
    Ok(bound.map(|a| users::normalise_email(&a)))
}

/// What the sign-up form says when the address typed is not the one the invite is for.
fn wrong_address(bound: &str) -> String {
    format!(
        "This invite was made for {bound}, so the account must use that address. If that is not your address, ask the person who invited you for a new invite."
    )
}

/// A new account and where it lands (`None`: home).
#[derive(Debug)]
pub struct Registered {
    pub user: User,
    pub landing: Option<String>,
}

/// Where a new account comes from.
#[derive(Debug, Clone)]
pub enum Grant {
    Setup(String),
    Invite(String),
    Open,
}

/// What a person typed to register.
#[derive(Debug)]
pub struct Registration {
    pub email: String,
    pub name: String,
    pub password: String,
    pub confirm: String,
}

/// Why no account was created.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The setup link or invite is used up, revoked or unknown; open sign-up is off.
    #[error("the link cannot be used")]
    Unusable,
    /// Too many open sign-ups from the client's network.
    #[error("too many sign-ups")]
    Throttled(RetryAfter),
    /// Something typed needs fixing; the message says what.
    #[error("{0}")]
    Invalid(String),
    /// The address was taken between the check and the insert.
    #[error("an account with that email already exists")]
    Exists,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hashing(#[from] HashError),
}

/// The message for an address that already has an account.
pub const EMAIL_TAKEN: &str = "An account with that email already exists. Sign in instead.";

/// The role `grant` gives, or `None` when it cannot be used (any more).
pub async fn grant_role(db: &Readers, grant: &Grant) -> Result<Option<Role>, sqlx::Error> {
    let mut conn = db.get().await?;
    Ok(match grant {
        Grant::Setup(t) => {
            let valid = tokens::looks_like_token(t)
                && db::tokens::setup_token_valid(&mut *conn, &tokens::hash_token(t)).await?
                && users::count(&mut *conn).await? == 0;
            valid.then_some(Role::Admin)
        }
        Grant::Invite(t) if tokens::looks_like_token(t) => {
            db::tokens::open_invite_role(&mut *conn, &tokens::hash_token(t)).await?
        }
        Grant::Invite(_) => None,
        Grant::Open => (db::settings::load(&mut *conn).await?.registration
            == RegistrationMode::Open)
            .then_some(Role::Candidate),
    })
}

/// Uses up `grant` for the new account `id` inside its transaction: `None` when it was used
/// meanwhile (another tab, another person), else where the account lands instead of home (an
/// invite's follow-up).
async fn consume(
    deps: &Deps<'_>,
    tx: &mut sqlx::SqliteConnection,
    grant: &Grant,
    id: i64,
) -> Result<Option<Option<String>>, sqlx::Error> {
    Ok(match grant {
        Grant::Setup(t) => (users::count(&mut *tx).await? == 1
            && db::tokens::consume_setup_token(&mut *tx, &tokens::hash_token(t)).await?)
            .then_some(None),
        Grant::Invite(t) => {
            let hash = tokens::hash_token(t);
            if !db::tokens::consume_invite(&mut *tx, &hash, id).await? {
                return Ok(None);
            }
            match deps.invite_follow_up {
                Some(follow) => Some(follow.opened(tx, &hash, id).await?),
                None => Some(None),
            }
        }
        Grant::Open => Some(None),
    })
}

/// Creates the account `grant` allows and uses the grant up. Open sign-up is limited per
/// client address (a typo is refunded); links are single-use anyway.
pub async fn register(
    deps: Deps<'_>,
    grant: &Grant,
    ip: IpAddr,
    form: Registration,
) -> Result<Registered, RegisterError> {
    let role = grant_role(deps.db, grant)
        .await?
        .ok_or(RegisterError::Unusable)?;
    let ticket = match grant {
        Grant::Open => Some(deps.throttle.signup(ip).map_err(RegisterError::Throttled)?),
        _ => None,
    };
    let email = users::normalise_email(&form.email);
    let name = form.name.trim().to_string();
    let bound = bound_address(deps, grant).await?;
    let problem = match bound {
        Some(bound) if bound != email => Some(wrong_address(&bound)),
        _ => validate_registration(&email, &name, &form.password, &form.confirm),
    };
    if let Some(problem) = problem {
        if let Some(t) = ticket {
            // a typo costs nothing; asking about an existing address does
            deps.throttle.signup_refund(t);
        }
        return Err(RegisterError::Invalid(problem));
    }
    if users::by_email(&mut *deps.db.get().await?, &email)
        .await?
        .is_some()
    {
        return Err(RegisterError::Invalid(EMAIL_TAKEN.into()));
    }
    let hash = deps.passwords.hash(form.password).await?;
    let mut tx = db::begin_write(deps.writer).await?;
    let id = insert(&mut tx, &email, &name, &hash, role).await?;
    let Some(landing) = consume(&deps, &mut tx, grant, id).await? else {
        tx.rollback().await?;
        return Err(RegisterError::Unusable);
    };
    tx.commit().await?;
    tracing::info!(user = id, role = %role, "account created");
    let user = users::by_id(&mut *deps.db.get().await?, id)
        .await?
        .ok_or(RegisterError::Db(sqlx::Error::RowNotFound))?;
    Ok(Registered { user, landing })
}

/// Creates a password account without a grant (the command line, the admins' break-glass).
pub async fn create_with_password(
    writer: &SqlitePool,
    passwords: &Passwords,
    email: &str,
    name: &str,
    password: String,
    role: Role,
) -> Result<i64, RegisterError> {
    let email = users::normalise_email(email);
    let name = name.trim();
    if let Some(problem) = validate_registration(&email, name, &password, &password) {
        return Err(RegisterError::Invalid(problem));
    }
    let hash = passwords.hash(password).await?;
    let mut tx = db::begin_write(writer).await?;
    let id = insert(&mut tx, &email, name, &hash, role).await?;
    tx.commit().await?;
    Ok(id)
}

/// Inserts an account; a taken address is `Exists`.
async fn insert(
    conn: &mut sqlx::SqliteConnection,
    email: &str,
    name: &str,
    hash: &str,
    role: Role,
) -> Result<i64, RegisterError> {
    let new = users::NewUser {
        email,
        display_name: name,
        password_hash: hash,
        role,
    };
    match users::insert(conn, &new).await {
        Ok(id) => Ok(id),
        Err(e) if db::is_unique_violation(&e) => Err(RegisterError::Exists),
        Err(e) => Err(e.into()),
    }
}

/// Whether an (already normalised) address is acceptable.
pub fn valid_email(email: &str) -> bool {
    let at = email.find('@');
    email.chars().count() <= MAX_EMAIL_CHARS
        && at.is_some_and(|i| i != 0 && i != email.len() - 1)
        && !email.contains(|c: char| c.is_whitespace() || c.is_control())
}

/// An address Gauntlet may mail (an invite's): stricter than [`valid_email`] — one line, at
/// most 254 characters, a dotted domain, and what the mail library accepts (it checks again
/// before sending).
pub fn mailable_email(s: &str) -> bool {
    s.chars().count() <= MAX_EMAIL_CHARS
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && s.parse::<lettre::Address>().is_ok()
}

/// Checks the sign-up fields; the message says what to fix.
pub fn validate_registration(
    email: &str,
    name: &str,
    password: &str,
    confirm: &str,
) -> Option<String> {
    if !valid_email(email) {
        return Some("Enter a valid email address, like ana@example.com.".into());
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "Enter a display name of 1 to {MAX_NAME_CHARS} characters."
        ));
    }
    // every control character, C0, DEL and C1, and here tab and newline too (one line)
    if name.chars().any(char::is_control) {
        return Some("The display name cannot contain control characters.".into());
    }
    if let Err(e) = password::check_policy(password, email) {
        return Some(e);
    }
    if password != confirm {
        return Some("The two passwords do not match.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_validation_explains_problems() {
        assert!(
            validate_registration("nope", "Ana", "long enough pass", "long enough pass").is_some()
        );
        assert!(
            validate_registration("ana@x.io", "", "long enough pass", "long enough pass").is_some()
        );
        assert!(
            validate_registration("ana@x.io", "Ana", "long enough pass", "different pass!!")
                .is_some()
        );
        assert!(
            validate_registration("ana@x.io", "Ana", "long enough pass", "long enough pass")
                .is_none()
        );
    }

    #[test]
    fn t63_names_and_emails_refuse_c0_and_c1_controls() {
        let ok = |email: &str, name: &str| {
            validate_registration(email, name, "long enough pass", "long enough pass").is_none()
        };
        assert!(ok("ana@x.io", "Ana Lúcia 👩‍💻"));
        for c in [
            '\u{0}', '\t', '\n', '\u{1b}', '\u{7f}', '\u{80}', '\u{85}', '\u{9b}', '\u{9f}',
        ] {
            assert!(
                !ok("ana@x.io", &format!("Ana{c}Lu")),
                "U+{:04X} in a name",
                c as u32
            );
            assert!(
                !ok(&format!("ana{c}@x.io"), "Ana"),
                "U+{:04X} in an email",
                c as u32
            );
        }
        assert!(ok("ana@x.io", &"é".repeat(MAX_NAME_CHARS)));
        assert!(!ok("ana@x.io", &"é".repeat(MAX_NAME_CHARS + 1)));
    }
}
