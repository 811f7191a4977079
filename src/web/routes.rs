//! The route registry: every route with its method, minimum access and whether it changes
//! state. The router is built from it and the registry enforces each route's access (one route
//! layer, [`Routes::into_router`]), so a handler cannot forget its check; tests that loop over
//! `specs()` (authorization, CSRF, headers) cover a route the moment it is added.

use std::{collections::HashMap, sync::Arc};

use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRequestParts, MatchedPath, Request, State},
    handler::Handler,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
};

use super::extract::{
    CurrentUser, RequireAdmin, RequireAuthor, RequireInterviewer, SessionAccount,
};
use super::{
    LARGE_BODY, account, admin, author, calibration, catalog, debrief, drills, history, home, live,
    ops, practice, retry, review, sso,
};
use crate::{auth::Role, state::AppState};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Interviewers and admins.
    Interviewer,
    /// Admins, and interviewers an admin gave the authoring permission (never candidates).
    Author,
    /// Admins only.
    Admin,
}

/// Where a signed-in route reads the caller's account row (enabled, same auth epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountCheck {
    /// Before the handler: the route layer reads it ([`CurrentUser`]).
    Layer,
    /// In the handler's own statement, which saves a round trip on the busiest routes; the
    /// layer checks the session alone and keeps the route's minimum role with it
    /// ([`SessionAccount`]). The round page's and the debrief's query reads the account row
    /// with the attempt, the review page's with the page stamp, and the handler checks that
    /// row before anything else ([`SessionAccount::check`]: the layer's rule and the route's
    /// role); the autosave's write applies only for an enabled account of the session's
    /// epoch. When the statement gives nothing to check, the handler reads the account first
    /// ([`SessionAccount::verify`]). Only for signed-in and interviewer routes, marked with
    /// [`Routes::account_in_statement`].
    InStatement,
}

/// One registered route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    /// The template, e.g. `/admin/users/{id}/role`.
    pub path: &'static str,
    pub access: Access,
    pub account: AccountCheck,
}

impl RouteSpec {
    /// Whether the route changes state (and so needs a CSRF token).
    pub fn is_unsafe(&self) -> bool {
        self.method != "GET"
    }

    /// A concrete path for tests: `{id}` → 1, `{token}`/`{slug}`/`{file}` → a harmless value.
    pub fn example_path(&self) -> String {
        self.path
            .replace("{id}", "1")
            .replace("{token}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
            .replace("{slug}", "no-such-gauntlet")
            .replace("{file}", "nothing.css")
            .replace("{round}", "1")
            .replace("{part}", "main")
            .replace("{comment}", "1")
    }
}

/// The router together with its registry.
pub struct Routes {
    pub router: Router<AppState>,
    pub specs: Vec<RouteSpec>,
}

impl Routes {
    fn new() -> Self {
        Self {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    fn get<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.router = self.router.route(path, get(h));
        self.specs.push(RouteSpec {
            method: "GET",
            path,
            access,
            account: AccountCheck::Layer,
        });
        self
    }

    fn post<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.router = self.router.route(path, post(h));
        self.specs.push(RouteSpec {
            method: "POST",
            path,
            access,
            account: AccountCheck::Layer,
        });
        self
    }

    /// A POST that carries an answer (or a gauntlet's Markdown): a larger body limit than
    /// ordinary forms.
    fn post_answer<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        let route = post(h).layer(DefaultBodyLimit::max(LARGE_BODY));
        self.router = self.router.route(path, route);
        self.specs.push(RouteSpec {
            method: "POST",
            path,
            access,
            account: AccountCheck::Layer,
        });
        self
    }

    /// Marks the route registered last as checking the account in its own statement (a
    /// signed-in or interviewer route; the router is not built otherwise).
    fn account_in_statement(mut self) -> Self {
        if let Some(spec) = self.specs.last_mut() {
            assert!(
                matches!(spec.access, Access::SignedIn | Access::Interviewer),
                "{} checks the account in its statement: only signed-in and interviewer routes may",
                spec.path
            );
            spec.account = AccountCheck::InStatement;
        }
        self
    }
}

/// Each route's access and account check, looked up by method and route template.
type AccessTable = HashMap<(&'static str, &'static str), (Access, AccountCheck)>;

impl Routes {
    /// The router with every route's access enforced before its handler runs. The user found
    /// here is kept on the request, so the handler's own extractor does not load it again.
    pub fn into_router(self, state: AppState) -> Router<AppState> {
        let table: AccessTable = self
            .specs
            .iter()
            .map(|s| ((s.method, s.path), (s.access, s.account)))
            .collect();
        self.router.route_layer(middleware::from_fn_with_state(
            (state, Arc::new(table)),
            enforce_access,
        ))
    }
}

/// Lets a request through only when its caller has the route's access. A method the route does
/// not register is not in the table: the route's own 405 answers it.
async fn enforce_access(
    State((state, table)): State<(AppState, Arc<AccessTable>)>,
    req: Request,
    next: Next,
) -> Response {
    let method = match req.method().as_str() {
        "HEAD" => "GET",
        m => m,
    };
    let access = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|p| table.get(&(method, p.as_str())).copied());
    let (mut parts, body) = req.into_parts();
    let checked = match access {
        Some((Access::Public, _)) => Ok(()),
        Some((Access::SignedIn, AccountCheck::InStatement)) => {
            SessionAccount::for_route(&mut parts, &state, Role::Candidate).await
        }
        Some((Access::Interviewer, AccountCheck::InStatement)) => {
            SessionAccount::for_route(&mut parts, &state, Role::Interviewer).await
        }
        Some((Access::SignedIn, AccountCheck::Layer)) => {
            CurrentUser::from_request_parts(&mut parts, &state)
                .await
                .map(drop)
        }
        Some((Access::Interviewer, _)) => {
            RequireInterviewer::from_request_parts(&mut parts, &state)
                .await
                .map(drop)
        }
        Some((Access::Author, _)) => RequireAuthor::from_request_parts(&mut parts, &state)
            .await
            .map(drop),
        Some((Access::Admin, _)) => RequireAdmin::from_request_parts(&mut parts, &state)
            .await
            .map(drop),
        None => Ok(()),
    };
    match checked {
        Ok(()) => next.run(Request::from_parts(parts, body)).await,
        Err(e) => e.into_response(),
    }
}

/// Every route of the site.
pub fn table() -> Routes {
    use Access::*;
    Routes::new()
        .get("/", Public, home::home)
        .get("/healthz", Public, ops::healthz)
        .get("/metrics", Public, ops::metrics)
        .get("/static/{file}", Public, ops::static_file)
        .get("/login", Public, account::login_page)
        .post("/login", Public, account::login)
        .post("/logout", Public, account::logout)
        .get("/auth/oidc/start", Public, sso::start)
        .get("/auth/oidc/callback", Public, sso::callback)
        .get("/setup/{token}", Public, account::setup_page)
        .post("/setup/{token}", Public, account::setup)
        .get("/invite/{token}", Public, account::invite_page)
        .post("/invite/{token}", Public, account::accept_invite)
        .get("/register", Public, account::register_page)
        .post("/register", Public, account::register)
        .get("/catalog", SignedIn, catalog::catalog)
        .get("/gauntlets/{slug}", SignedIn, catalog::overview)
        .post("/gauntlets/{slug}/attempts", SignedIn, practice::start)
        .get("/attempts/{id}", SignedIn, practice::show)
        .account_in_statement()
        .get("/attempts/{id}/events", SignedIn, live::attempt_events)
        .post_answer(
            "/attempts/{id}/steps/{round}/{part}/save",
            SignedIn,
            practice::save,
        )
        .account_in_statement()
        .post_answer(
            "/attempts/{id}/steps/{round}/{part}/submit",
            SignedIn,
            practice::submit,
        )
        .get(
            "/attempts/{id}/rounds/{round}/guidance",
            SignedIn,
            practice::round_guidance,
        )
        .get("/attempts/{id}/debrief", SignedIn, debrief::debrief)
        .account_in_statement()
        .post(
            "/attempts/{id}/self-assessment",
            SignedIn,
            debrief::save_self_assessment,
        )
        .post("/attempts/{id}/review", SignedIn, debrief::review_request)
        .post("/attempts/{id}/delete", SignedIn, practice::delete)
        .post(
            "/attempts/{id}/rounds/{round}/retry",
            SignedIn,
            retry::start,
        )
        .get("/attempts/{id}/compare", SignedIn, retry::compare)
        .get("/drills", SignedIn, drills::index)
        .get("/drills/{id}", SignedIn, drills::show)
        .post("/drills/{id}/reveal", SignedIn, drills::reveal)
        .post("/drills/{id}/rate", SignedIn, drills::rate)
        .post("/drills/{id}/dismiss", SignedIn, drills::dismiss)
        .post("/drills/{id}/restore", SignedIn, drills::restore)
        .post("/gauntlets/{slug}/live", Interviewer, live::start)
        .get("/live/invites/{id}", Interviewer, live::invite_console)
        .get("/live/{id}", SignedIn, live::console)
        .get("/live/{id}/events", SignedIn, live::console_events)
        .post("/live/{id}/control", SignedIn, live::control)
        .post("/live/{id}/nudge", SignedIn, live::nudge)
        .post("/live/{id}/notes", SignedIn, live::add_note)
        .get("/history", SignedIn, history::history)
        .get("/account/export.json", SignedIn, history::export)
        .get("/account/csrf.json", SignedIn, account::csrf_token)
        .get("/password/forgot", Public, account::forgot_page)
        .post("/password/forgot", Public, account::forgot)
        .get("/password/reset/{token}", Public, account::reset_page)
        .post("/password/reset/{token}", Public, account::reset)
        .get(
            "/account/notifications",
            SignedIn,
            account::notifications_page,
        )
        .post(
            "/account/notifications",
            SignedIn,
            account::save_notifications,
        )
        .get("/account/password", SignedIn, account::password_page)
        .post("/account/password", SignedIn, account::change_password)
        .get("/reviews", Interviewer, review::queue)
        .get("/reviews/{id}", Interviewer, review::page)
        .account_in_statement()
        .post("/reviews/{id}/claim", Interviewer, review::claim)
        .post("/reviews/{id}/release", Interviewer, review::release)
        .post("/reviews/{id}/save", Interviewer, review::save)
        .post("/reviews/{id}/submit", Interviewer, review::submit)
        .post("/reviews/{id}/comments", Interviewer, review::add_comment)
        .post(
            "/reviews/{id}/comments/{comment}/delete",
            Interviewer,
            review::delete_comment,
        )
        .get("/calibration", Interviewer, calibration::calibration)
        .get("/gauntlets/{slug}/kit", Interviewer, catalog::kit)
        .get("/admin", Admin, admin::users_page)
        .post("/admin/users/{id}/role", Admin, admin::set_role)
        .post("/admin/users/{id}/status", Admin, admin::set_status)
        .post(
            "/admin/users/{id}/sign-out",
            Admin,
            admin::sign_out_everywhere,
        )
        .post("/admin/locks/unlock", Admin, admin::unlock)
        .get("/admin/users/{id}/delete", Admin, admin::delete_user_page)
        .post("/admin/users/{id}/delete", Admin, admin::delete_user)
        .get("/admin/invites", Admin, admin::invites_page)
        .post("/admin/invites", Admin, admin::create_invite)
        .post("/admin/invites/{id}/revoke", Admin, admin::revoke_invite)
        .get("/admin/settings", Admin, admin::settings_page)
        .post("/admin/settings", Admin, admin::save_settings)
        .get("/admin/mail", Admin, admin::mail_page)
        .post("/admin/mail/{id}/retry", Admin, admin::retry_mail)
        .get("/admin/waiting", Admin, admin::waiting_page)
        .get("/admin/content", Admin, admin::content_page)
        .post("/admin/content/reload", Admin, admin::reload_content)
        .post("/admin/users/{id}/author", Admin, admin::set_author)
        .get("/author", Author, author::index)
        .post("/author/new", Author, author::create)
        .post_answer("/author/import", Author, author::import)
        .post_answer("/author/check", Author, author::check)
        .get("/author/gauntlets/{slug}", Author, author::editor)
        .post_answer("/author/gauntlets/{slug}/preview", Author, author::preview)
        .post_answer("/author/gauntlets/{slug}/save", Author, author::save)
        .post_answer("/author/gauntlets/{slug}/publish", Author, author::publish)
        .post(
            "/author/gauntlets/{slug}/duplicate",
            Author,
            author::duplicate,
        )
        .get("/author/gauntlets/{slug}/history", Author, author::history)
        .get("/author/gauntlets/{slug}/diff", Author, author::diff)
        .get(
            "/author/gauntlets/{slug}/download",
            Author,
            author::download,
        )
        .get("/admin/audit", Admin, admin::audit_page)
        .get("/admin/export", Admin, admin::export)
}

/// The registry alone (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().specs
}
