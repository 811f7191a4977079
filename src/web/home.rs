//! The home page: what to do next, depending on who is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::{error::Result, layout::Chrome};
use crate::{db, state::AppState};

#[derive(Template, WebTemplate)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    chrome: Chrome,
    gauntlets: usize,
    users: i64,
    open_invites: usize,
    content_problems: usize,
}

/// `GET /`
pub async fn home(chrome: Chrome, State(state): State<AppState>) -> Result<HomePage> {
    let lib = state.content.current();
    let admin = chrome.user.as_ref().is_some_and(|u| u.is_admin());
    let (users, open_invites) = if admin {
        let invites = db::tokens::list_invites(&state.db).await?;
        (
            db::users::count(&state.db).await?,
            invites.iter().filter(|i| i.is_open()).count(),
        )
    } else {
        (0, 0)
    };
    Ok(HomePage {
        chrome,
        gauntlets: lib.iter().count(),
        users,
        open_invites,
        content_problems: lib.problems().len(),
    })
}
