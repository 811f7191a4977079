//! What every page's layout needs (the "chrome": navigation by role, account menu, flash
//! message, CSRF token, asset URLs). It is gathered from the request in `extract`.

use tower_sessions::Session;

use super::{assets, csrf::VisitorToken};
use crate::{
    auth::{Role, session::Flash},
    db::users::User,
};

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl UserView {
    pub fn is_interviewer(&self) -> bool {
        self.role >= Role::Interviewer
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The first letter of the name, for the avatar.
    pub fn initial(&self) -> String {
        self.name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    }
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role,
        }
    }
}

/// Layout data for one page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user: Option<UserView>,
    /// The session's CSRF token ("" when the visitor has no session; forms then create one).
    pub csrf: String,
    pub flash: Option<Flash>,
    /// Which navigation entry is current: "home", "catalog", "admin", "account".
    pub section: &'static str,
    pub css: String,
    pub js: String,
    pub favicon: String,
    /// The visitor token for forms shown before sign-in (see `csrf::visitor`).
    pub visitor: Option<VisitorToken>,
    /// The request is a HEAD: nothing is written for it, not even a cookie for a form's token.
    pub head: bool,
}

impl Chrome {
    /// Chrome for pages rendered without a request (error pages).
    pub fn bare() -> Self {
        Self {
            user: None,
            csrf: String::new(),
            flash: None,
            section: "",
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            favicon: assets::url("favicon.svg"),
            visitor: None,
            head: false,
        }
    }

    /// Makes sure the page has a CSRF token (for forms shown before sign-in): without a session
    /// token, the visitor token, whose cookie the response then sets. Creates no session; a
    /// HEAD request gets no body, so no token and no cookie either.
    pub async fn with_csrf(
        mut self,
        _session: &Session,
    ) -> Result<Self, tower_sessions::session::Error> {
        if self.csrf.is_empty()
            && !self.head
            && let Some(visitor) = &self.visitor
        {
            self.csrf = visitor.value();
        }
        Ok(self)
    }
}
