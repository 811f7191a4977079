//! What every page's layout needs (the "chrome": navigation by role, account menu, flash
//! message, CSRF token, asset URLs). It is gathered from the request in `extract`.

use tower_sessions::Session;

use super::{assets, visitor::VisitorToken};
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
    /// May write gauntlets in the browser.
    pub author: bool,
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
            author: u.may_author(),
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
    /// The part of the site the page belongs to (its navigation entry is marked current).
    pub section: Option<Section>,
    pub css: String,
    pub js: String,
    pub favicon: String,
    /// The visitor token for forms shown before sign-in (see `csrf::visitor`).
    pub visitor: Option<VisitorToken>,
    /// The request is a HEAD: nothing is written for it, not even a cookie for a form's token.
    pub head: bool,
}

/// A part of the site with an entry in the header's navigation (the account pages have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Catalog,
    History,
    Drills,
    Reviews,
    Author,
    Admin,
}

impl Section {
    /// The section a request path belongs to, by its first segment.
    pub fn of_path(path: &str) -> Option<Self> {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        Some(match first {
            "" => Self::Home,
            "catalog" | "gauntlets" => Self::Catalog,
            "history" | "attempts" => Self::History,
            "admin" => Self::Admin,
            "reviews" | "calibration" => Self::Reviews,
            "author" => Self::Author,
            "drills" => Self::Drills,
            _ => return None,
        })
    }

    /// Where its navigation entry leads and what it says.
    fn entry(self) -> (&'static str, &'static str) {
        match self {
            Self::Home => ("/", "Home"),
            Self::Catalog => ("/catalog", "Catalog"),
            Self::History => ("/history", "History"),
            Self::Drills => ("/drills", "Drills"),
            Self::Reviews => ("/reviews", "Reviews"),
            Self::Author => ("/author", "Author"),
            Self::Admin => ("/admin", "Admin"),
        }
    }
}

/// One entry of the header's navigation.
#[derive(Debug, Clone)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    /// The page belongs to this entry (`aria-current="page"`).
    pub current: bool,
}

impl Chrome {
    /// The header's navigation for the signed-in user: the entries their role reaches, the
    /// page's own marked current. Empty for visitors.
    pub fn nav(&self) -> Vec<NavEntry> {
        let Some(u) = &self.user else {
            return Vec::new();
        };
        let shown = [
            (Section::Home, true),
            (Section::Catalog, true),
            (Section::History, true),
            (Section::Drills, true),
            (Section::Reviews, u.is_interviewer()),
            (Section::Author, u.author),
            (Section::Admin, u.is_admin()),
        ];
        shown
            .into_iter()
            .filter(|(_, show)| *show)
            .map(|(section, _)| {
                let (href, label) = section.entry();
                NavEntry {
                    href,
                    label,
                    current: self.section == Some(section),
                }
            })
            .collect()
    }

    /// Chrome for pages rendered without a request (error pages).
    pub fn bare() -> Self {
        Self {
            user: None,
            csrf: String::new(),
            flash: None,
            section: None,
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
