//! Request extractors: the signed-in user (its account row checked on every request, before
//! the handler or, for the routes marked so, with the handler's own statement), role guards,
//! the client address, and the layout's chrome.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, Method, header, request::Parts},
};
use tokio::sync::OnceCell;
use tower_sessions::Session;

use super::{
    error::AppError,
    layout::{Chrome, Section, UserView},
    visitor::VisitorToken,
};
use crate::{
    auth::{
        Role,
        session::{self, SessionUser},
    },
    clock,
    config::Cidr,
    db::users::{self, User},
    state::AppState,
};

/// The signed-in, enabled user whose session is still valid.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// A signed-in interviewer or admin.
#[derive(Debug, Clone)]
pub struct RequireInterviewer(pub User);

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub User);

/// A signed-in author: an admin, or an interviewer with the authoring permission.
#[derive(Debug, Clone)]
pub struct RequireAuthor(pub User);

/// Whether the client wants JSON errors (fetch and autosave requests) rather than pages.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.contains_key("x-csrf-token")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

async fn session_of(parts: &mut Parts, state: &AppState) -> Result<Session, AppError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(format!("session layer missing: {msg}")))
}

/// The session's signed-in user while the session itself is still valid: within its absolute
/// lifetime and not idle too long. A session past either is ended here. The account row is not
/// read: [`account_of`] does that.
async fn signed_in_session(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<(Session, SessionUser)>, AppError> {
    let session = session_of(parts, state).await?;
    let Some(su) = session::user(&session).await? else {
        return Ok(None);
    };
    let now = clock::now();
    let absolute = state.config.absolute_timeout.as_secs() as i64;
    let idle = state.config.idle_timeout.as_secs() as i64;
    if now - su.started >= absolute || now - su.last_seen >= idle {
        session::sign_out(&session).await?;
        return Ok(None);
    }
    // HEAD never writes, not even the session's last-seen time
    if parts.method != Method::HEAD {
        session::touch(&session, &su, now).await?;
    }
    Ok(Some((session, su)))
}

/// The session's account when it may still use the site (see [`accepted`]), read by id.
async fn account_of(
    session: &Session,
    su: &SessionUser,
    state: &AppState,
) -> Result<Option<User>, AppError> {
    let user = users::by_id(&mut *state.db.get().await?, su.user_id).await?;
    accepted(session, su, user).await
}

/// `user`, the session's account row as read just now, when it may still use the site: it
/// exists, is enabled and has the auth epoch the session was signed in under (no role change
/// or disable since). Otherwise the session is ended and `None` comes back. Every account
/// check of a request comes here, whoever read the row; the autosave's write checks the same
/// rule in SQL (`db::attempts::autosave`): a change to the rule changes both (T116 tests the
/// pair).
async fn accepted(
    session: &Session,
    su: &SessionUser,
    user: Option<User>,
) -> Result<Option<User>, AppError> {
    match user {
        Some(u) if u.id == su.user_id && !u.disabled && u.auth_epoch == su.epoch => Ok(Some(u)),
        _ => {
            session::sign_out(session).await?;
            Ok(None)
        }
    }
}

/// Loads the session's user and checks it is still allowed in: a valid session (see
/// [`signed_in_session`]) of a valid account (see [`account_of`]).
async fn load_user(parts: &mut Parts, state: &AppState) -> Result<Option<User>, AppError> {
    match signed_in_session(parts, state).await? {
        Some((session, su)) => account_of(&session, &su, state).await,
        None => Ok(None),
    }
}

fn sign_in_required(parts: &Parts) -> AppError {
    AppError::SignInRequired {
        next: come_back_to(parts),
        json: wants_json(&parts.headers),
    }
}

/// Where sign-in sends the user back to: this request's path and query.
fn come_back_to(parts: &Parts) -> String {
    parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let user = load_user(parts, state)
            .await?
            .ok_or_else(|| sign_in_required(parts))?;
        let current = CurrentUser(user);
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(AppError::SignInRequired { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A signed-in session whose account row is not read before the handler runs: for a route
/// that checks the account in its own statement ([`AccountCheck::InStatement`]). Either the
/// statement reads the account row along with what the handler needs and the handler checks
/// it with [`check`](Self::check) before anything else (the round and review pages), or the statement
/// is a write that applies only while the account is enabled and still has
/// [`auth_epoch`](Self::auth_epoch) (the autosave). Whenever the statement gives no account to
/// check, the handler calls [`verify`](Self::verify) first, which reads the account as
/// [`CurrentUser`] does. In every case a disabled or changed account is signed out, and a
/// disable or role change stops the route at the next request.
///
/// [`AccountCheck::InStatement`]: super::routes::AccountCheck::InStatement
#[derive(Debug, Clone)]
pub struct SessionAccount {
    session: Session,
    user: SessionUser,
    /// The account once [`check`](Self::check) has accepted it
    /// (checked at most once per request).
    verified: Arc<OnceCell<User>>,
    /// Where to come back after signing in (the request's path and query).
    next: String,
    /// Whether the request is a HEAD (its page leaves a flash message for the next one).
    head: bool,
    /// The visitor cookie's token, as for [`Chrome`].
    visitor: Option<VisitorToken>,
    /// Whether the caller wants JSON errors.
    json: bool,
    /// The lowest role the route admits (set by the route layer from the registry).
    min_role: Role,
}

impl SessionAccount {
    /// The signed-in account's id.
    pub fn user_id(&self) -> i64 {
        self.user.user_id
    }

    /// The account's epoch when the session was signed in.
    pub fn auth_epoch(&self) -> i64 {
        self.user.epoch
    }

    /// The account, read and checked as for [`CurrentUser`] (and held to the route's minimum
    /// role); a refusal to sign in when it may no longer use the site (its session is then
    /// ended), 403 when its role is below the route's. Checked once per request.
    pub async fn verify(&self, state: &AppState) -> Result<User, AppError> {
        self.check(state, None).await
    }

    /// `row`, the session's account row as the route's own statement read it, checked as
    /// [`verify`](Self::verify) checks the row it reads (the same rule, [`accepted`], and the
    /// route's minimum role). `None` (the statement found no row to check) reads it as
    /// [`verify`](Self::verify) does.
    pub async fn check(&self, state: &AppState, row: Option<User>) -> Result<User, AppError> {
        let user = self
            .verified
            .get_or_try_init(|| async {
                let user = match row {
                    Some(row) => accepted(&self.session, &self.user, Some(row)).await?,
                    None => account_of(&self.session, &self.user, state).await?,
                };
                let user = user.ok_or_else(|| AppError::SignInRequired {
                    next: self.next.clone(),
                    json: self.json,
                })?;
                at_least(&user, self.min_role, self.path())?;
                Ok::<_, AppError>(user)
            })
            .await?;
        Ok(user.clone())
    }

    /// The session of a route whose lowest admitted role is `min_role`, kept on the request
    /// for the handler's extractor: what the route layer does for a route that checks the
    /// account in its own statement.
    pub async fn for_route(
        parts: &mut Parts,
        state: &AppState,
        min_role: Role,
    ) -> Result<(), AppError> {
        let (session, user) = signed_in_session(parts, state)
            .await?
            .ok_or_else(|| sign_in_required(parts))?;
        let account = SessionAccount {
            session,
            user,
            verified: Arc::default(),
            next: come_back_to(parts),
            head: parts.method == Method::HEAD,
            visitor: parts.extensions.get::<VisitorToken>().cloned(),
            json: wants_json(&parts.headers),
            min_role,
        };
        parts.extensions.insert(account);
        Ok(())
    }

    /// The request's path, without its query.
    fn path(&self) -> &str {
        self.next.split('?').next().unwrap_or_default()
    }

    /// The layout's chrome for a page this route answers with, once [`verify`](Self::verify)
    /// or [`check`](Self::check) has given the account.
    pub async fn chrome(&self, user: &User) -> Result<Chrome, AppError> {
        let request = ChromeRequest {
            path: self.path(),
            head: self.head,
            visitor: self.visitor.clone(),
        };
        chrome_for(&self.session, Some(user), request).await
    }
}

impl FromRequestParts<AppState> for SessionAccount {
    type Rejection = AppError;

    /// The session the route layer kept ([`for_route`](Self::for_route)). A handler of a route
    /// the registry does not mark `InStatement` gets an error rather than a session whose role
    /// nobody checked.
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<SessionAccount>()
            .cloned()
            .ok_or_else(|| {
                AppError::Internal(format!(
                    "{} is not marked to check the account in its statement",
                    parts.uri.path()
                ))
            })
    }
}

/// Refuses (403, logged) a user whose role is below `min`.
fn at_least(user: &User, min: Role, path: &str) -> Result<(), AppError> {
    if user.role < min {
        tracing::warn!(user = user.id, path = %path, "authorization failure");
        return Err(AppError::Forbidden);
    }
    Ok(())
}

async fn require(parts: &mut Parts, state: &AppState, min: Role) -> Result<User, AppError> {
    let CurrentUser(user) =
        <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    at_least(&user, min, parts.uri.path())?;
    Ok(user)
}

impl FromRequestParts<AppState> for RequireInterviewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Interviewer).await.map(Self)
    }
}

impl FromRequestParts<AppState> for RequireAuthor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = require(parts, state, Role::Interviewer).await?;
        if !user.may_author() {
            tracing::warn!(user = user.id, path = %parts.uri.path(), "authorization failure");
            return Err(AppError::Forbidden);
        }
        Ok(Self(user))
    }
}

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Admin).await.map(Self)
    }
}

/// The client's address: the socket's peer, or — when the peer is a trusted reverse proxy —
/// the address the proxies recorded (see [`client_address`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

/// Who sent a request. Forwarded headers count only when the socket peer is in `trusted`;
/// then the chain is read from the right (the entries the proxies appended) and the first
/// address that is not itself a trusted proxy is the client, so whatever a client puts at the
/// left of the header changes nothing. `X-Forwarded-For` is used when present (what common
/// proxies append to), otherwise `Forwarded` (RFC 7239 `for=`). An entry that is not an
/// address (`unknown`, an obfuscated name) stops the walk at the last trusted hop.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let mut client = peer;
    for entry in chain.iter().rev() {
        let Some(ip) = entry else {
            return client;
        };
        client = *ip;
        if !is_trusted(*ip) {
            return client;
        }
    }
    client
}

/// Header values a request may repeat, joined in order.
fn joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(","))
}

/// The addresses of the forwarding chain, left (the original client, as claimed) to right
/// (added by the proxy nearest to us); `None` for an entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    if let Some(xff) = joined(headers, "x-forwarded-for") {
        return xff.split(',').map(parse_node).collect();
    }
    let Some(fwd) = joined(headers, "forwarded") else {
        return Vec::new();
    };
    fwd.split(',')
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_node(v))
        })
        .collect()
}

/// `192.0.2.1`, `192.0.2.1:8080`, `"[2001:db8::1]:443"`, `2001:db8::1` → the address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"').trim();
    if node.len() > 64 {
        return None;
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Ok(sock) = node.parse::<SocketAddr>() {
        return Some(sock.ip().to_canonical());
    }
    let inner = node.strip_prefix('[')?.split(']').next()?;
    inner.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user =
            <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::Internal(m.to_string()))?;
        let request = ChromeRequest {
            path: parts.uri.path(),
            head: parts.method == Method::HEAD,
            visitor: parts.extensions.get::<VisitorToken>().cloned(),
        };
        chrome_for(&session, user.as_ref().map(|u| &u.0), request).await
    }
}

/// What of a request the layout's chrome depends on besides the session and the user.
struct ChromeRequest<'a> {
    path: &'a str,
    head: bool,
    visitor: Option<VisitorToken>,
}

/// The layout's chrome of a page answering `request` on `session`, signed in as `user` or not.
async fn chrome_for(
    session: &Session,
    user: Option<&User>,
    request: ChromeRequest<'_>,
) -> Result<Chrome, AppError> {
    let csrf = session::csrf_token(session).await?.unwrap_or_default();
    // a HEAD response has no body to show the message in: it stays for the next page
    let flash = if request.head {
        session::peek_flash(session).await?
    } else {
        session::take_flash(session).await?
    };
    Ok(Chrome {
        user: user.map(UserView::from),
        csrf,
        flash,
        section: Section::of_path(request.path),
        visitor: request.visitor,
        head: request.head,
        ..Chrome::bare()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn t57_forwarded_headers_count_only_from_trusted_proxies() {
        let proxies: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let forged = headers(&[("x-forwarded-for", "203.0.113.9")]);
        // no trusted proxy configured, or a peer outside the list: the socket decides
        assert_eq!(
            client_address(ip("127.0.0.1"), &forged, &[]),
            ip("127.0.0.1")
        );
        assert_eq!(
            client_address(ip("198.51.100.4"), &forged, &proxies),
            ip("198.51.100.4")
        );
        // from a trusted proxy: the right-most address that is not a proxy
        assert_eq!(
            client_address(ip("127.0.0.1"), &forged, &proxies),
            ip("203.0.113.9")
        );
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.1.1.1")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &chain, &proxies),
            ip("203.0.113.9")
        );
        // repeated header lines are one list, in order
        let split = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "203.0.113.7"),
        ]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &split, &proxies),
            ip("203.0.113.7")
        );
        // an IPv4-mapped peer is the same proxy
        assert_eq!(
            client_address(ip("::ffff:127.0.0.1"), &forged, &proxies),
            ip("203.0.113.9")
        );
        // every hop trusted: the left-most one
        let inner = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &inner, &proxies),
            ip("10.9.9.9")
        );
        // no header: the proxy itself
        assert_eq!(
            client_address(ip("127.0.0.1"), &HeaderMap::new(), &proxies),
            ip("127.0.0.1")
        );
        // garbage stops at the last trusted hop
        let junk = headers(&[("x-forwarded-for", "203.0.113.9, unknown")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &junk, &proxies),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn t57_the_forwarded_header_is_read_when_there_is_no_x_forwarded_for() {
        let proxies: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap()];
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\"",
        )]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &fwd, &proxies),
            ip("2001:db8:cafe::17")
        );
        let port = headers(&[("forwarded", "for=\"198.51.100.3:8080\"")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &port, &proxies),
            ip("198.51.100.3")
        );
        let hidden = headers(&[("forwarded", "for=_hidden")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &hidden, &proxies),
            ip("127.0.0.1")
        );
        let both = headers(&[
            ("forwarded", "for=192.0.2.60"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &both, &proxies),
            ip("198.51.100.8"),
            "X-Forwarded-For wins"
        );
    }
}
