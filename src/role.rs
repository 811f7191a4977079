//! Who a user is to the site: candidate, interviewer or admin. Stored on every account row
//! (`db::users`) and checked by the access rules (`auth`, `web::routes`).

use std::{fmt, str::FromStr};

/// What a user may do. Ordered: an admin may do everything an interviewer may, and so on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum Role {
    Candidate,
    Interviewer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Candidate, Role::Interviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Candidate => "candidate",
            Self::Interviewer => "interviewer",
            Self::Admin => "admin",
        }
    }

    /// Capitalised, for display.
    pub fn label(self) -> &'static str {
        match self {
            Self::Candidate => "Candidate",
            Self::Interviewer => "Interviewer",
            Self::Admin => "Admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "candidate" => Ok(Self::Candidate),
            "interviewer" => Ok(Self::Interviewer),
            "admin" => Ok(Self::Admin),
            other => Err(format!(
                "unknown role {other:?}: use candidate, interviewer or admin"
            )),
        }
    }
}
