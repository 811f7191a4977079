//! Signing in through the identity provider: the account of `(issuer, subject)`, linked to an
//! existing account only through a verified email, or created just in time when the site lets
//! such people join; the role mapped from the groups claim is applied at every sign-in, except
//! that the only active admin stays an admin.

use sqlx::SqlitePool;

use super::{MAX_NAME_CHARS, valid_email};
use crate::{
    auth::{Role, oidc::Identity},
    db::{
        self, identities,
        users::{self, User},
    },
};

/// Why a vouched-for person still does not get in. Nothing was created.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("the account is disabled")]
    Disabled,
    #[error("joining through the identity provider is off")]
    JoiningOff,
    #[error("the identity provider gave no usable email address")]
    NoEmail,
    /// A local account has the address, but the provider did not say it verified it.
    #[error("an account has that email, which the identity provider did not verify")]
    Unverified,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The account `who` signs in to, after linking, creating or re-mapping its role.
pub async fn sign_in(writer: &SqlitePool, who: &Identity) -> Result<User, SsoError> {
    let mut tx = db::begin_write(writer).await?;
    let linked = identities::user_for(&mut *tx, &who.issuer, &who.subject).await?;
    let id = match linked {
        Some(id) => id,
        None => {
            let id = match existing(&mut tx, who).await? {
                Some(id) => id,
                None => create(&mut tx, who).await?,
            };
            identities::link(&mut *tx, &who.issuer, &who.subject, id).await?;
            tracing::info!(user = id, "identity linked");
            id
        }
    };
    let user = users::by_id(&mut *tx, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    if user.disabled {
        return Err(SsoError::Disabled);
    }
    if let Some(role) = who.role.filter(|r| *r != user.role) {
        if user.role == Role::Admin && users::active_admins(&mut *tx).await? <= 1 {
            // as on the admin page: the site never loses its last admin
            tracing::warn!(
                user = id,
                mapped = %role,
                "the provider's groups no longer make the only active admin an admin; the role is kept until another admin exists"
            );
        } else {
            // ends the account's other sessions, as an admin's change does
            users::set_role(&mut *tx, id, role).await?;
            tracing::info!(user = id, from = %user.role, to = %role, "role mapped from the identity provider");
        }
    }
    identities::seen(&mut *tx, &who.issuer, &who.subject).await?;
    let user = users::by_id(&mut *tx, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    tx.commit().await?;
    Ok(user)
}

/// The local account with the person's address, when the provider verified it.
async fn existing(
    conn: &mut sqlx::SqliteConnection,
    who: &Identity,
) -> Result<Option<i64>, SsoError> {
    let Some(email) = who.email.as_deref().map(users::normalise_email) else {
        return Ok(None);
    };
    match users::by_email(&mut *conn, &email).await? {
        Some(u) if who.email_verified => Ok(Some(u.id)),
        Some(_) => Err(SsoError::Unverified),
        None => Ok(None),
    }
}

/// A new account without a password, when the site lets people join this way.
async fn create(conn: &mut sqlx::SqliteConnection, who: &Identity) -> Result<i64, SsoError> {
    if !identities::may_join(&mut *conn).await? {
        return Err(SsoError::JoiningOff);
    }
    let email = who
        .email
        .as_deref()
        .map(users::normalise_email)
        .filter(|e| valid_email(e))
        .ok_or(SsoError::NoEmail)?;
    let name = display_name(who.name.as_deref(), &email);
    let new = users::NewUser {
        email: &email,
        display_name: &name,
        // no password: such an account signs in only through the provider
        password_hash: "",
        role: who.role.unwrap_or(Role::Candidate),
    };
    let id = users::insert(&mut *conn, &new).await?;
    tracing::info!(user = id, role = %new.role, "account created through single sign-on");
    Ok(id)
}

/// The provider's name for the person, without control characters and cut to the limit; the
/// address's local part when there is none.
pub fn display_name(given: Option<&str>, email: &str) -> String {
    let clean = |s: &str| -> String {
        let kept: String = s.chars().filter(|c| !c.is_control()).collect();
        kept.trim().chars().take(MAX_NAME_CHARS).collect()
    };
    let name = given.map(clean).unwrap_or_default();
    if !name.is_empty() {
        return name;
    }
    let local = clean(email.split('@').next().unwrap_or(""));
    if local.is_empty() {
        "Member".into()
    } else {
        local
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_the_provider_are_cleaned_and_cut() {
        assert_eq!(display_name(Some(" Ada\u{85}\u{1b} L "), "a@x.io"), "Ada L");
        assert_eq!(display_name(Some("\u{7}"), "ada@x.io"), "ada");
        assert_eq!(
            display_name(Some(&"é".repeat(200)), "a@x.io")
                .chars()
                .count(),
            MAX_NAME_CHARS
        );
    }
}
