//! OpenID Connect sign-in against one identity provider: discovery (kept for a few minutes,
//! fetched again when it fails), the authorization request (code flow with PKCE, state and
//! nonce) and the checks on the ID token the callback's code is exchanged for. No HTTP server
//! side here: `web::sso` carries the pending request in the session.

pub mod setup;

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse as _,
    core::{CoreClient, CoreIdTokenClaims, CoreProviderMetadata, CoreResponseType},
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::Role;
use crate::config::OidcConfig;

/// This site's callback path; the provider redirects back to the public URL plus this.
pub const CALLBACK: &str = "/auth/oidc/callback";

/// How long discovery and the signing keys are trusted before they are read again.
const METADATA_TTL: Duration = Duration::from_secs(300);
/// How long a failed discovery is answered from memory.
const FAILURE_TTL: Duration = Duration::from_secs(5);
/// How long the identity provider may take to answer one request.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// A sign-in must come back from the identity provider within this many seconds.
pub const PENDING_TTL_SECS: i64 = 600;

/// Why a sign-in through the identity provider did not go ahead. Each has its own page.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OidcError {
    #[error("the identity provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the state does not match the sign-in this browser started")]
    WrongState,
    #[error("the ID token's nonce is not the one this sign-in sent (a replayed token)")]
    Nonce,
    #[error("the ID token's signature does not verify")]
    Signature,
    #[error("the ID token is meant for another client")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token comes from another issuer")]
    Issuer,
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the identity provider's answer is not usable: {0}")]
    Invalid(String),
}

/// What the browser's session keeps between sending the person away and their return.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// Where to go after signing in (already checked to be a local path).
    pub next: String,
    pub started: i64,
}

/// The person the identity provider vouched for.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// The role the groups claim maps to; `None` when no role claim is set up.
    pub role: Option<Role>,
}

/// The identity provider and what is known of it.
pub struct Provider {
    config: OidcConfig,
    issuer: IssuerUrl,
    redirect: RedirectUrl,
    http: reqwest::Client,
    /// The last discovery (or why it failed) and when it was read.
    metadata: tokio::sync::Mutex<Option<(Instant, Result<CoreProviderMetadata, String>)>>,
}

impl Provider {
    /// `redirect` is this site's callback URL as registered with the provider.
    pub fn new(config: OidcConfig, redirect: String) -> Result<Self, String> {
        let issuer = IssuerUrl::new(config.issuer.clone())
            .map_err(|e| format!("--oidc-issuer is not a URL: {e}"))?;
        let redirect = RedirectUrl::new(redirect)
            .map_err(|e| format!("the callback URL is not valid: {e}"))?;
        let http = reqwest::Client::builder()
            // following a redirect could lead the server anywhere; the spec needs none
            .redirect(reqwest::redirect::Policy::none())
            .timeout(HTTP_TIMEOUT)
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        Ok(Self {
            config,
            issuer,
            redirect,
            http,
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    /// The name on the sign-in button.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The issuer URL as configured.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Reads discovery and the signing keys, or returns the copy read in the last minutes.
    /// A failure is remembered for a few seconds, so a provider that is down is not asked
    /// again for every click.
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, OidcError> {
        let mut cached = self.metadata.lock().await;
        match cached.as_ref() {
            Some((at, Ok(m))) if !fresh && at.elapsed() < METADATA_TTL => return Ok(m.clone()),
            Some((at, Err(e))) if !fresh && at.elapsed() < FAILURE_TTL => {
                return Err(OidcError::Unreachable(e.clone()));
            }
            _ => {}
        }
        let found = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| error_chain(&e));
        *cached = Some((Instant::now(), found.clone()));
        found.map_err(OidcError::Unreachable)
    }

    /// Checks that discovery and the keys can be read (for `gauntlet doctor`).
    pub async fn check(&self) -> Result<(), OidcError> {
        self.metadata(true).await.map(|_| ())
    }

    fn client(&self, m: CoreProviderMetadata) -> CoreClientSet {
        CoreClient::from_provider_metadata(
            m,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.0.clone())),
        )
        .set_redirect_uri(self.redirect.clone())
    }

    /// The provider's authorization URL for a new sign-in, and what the session must keep.
    pub async fn begin(&self, next: String, now: i64) -> Result<(String, Pending), OidcError> {
        let client = self.client(self.metadata(false).await?);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        let pending = Pending {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next,
            started: now,
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the callback's code and checks the ID token: signature, issuer, audience,
    /// expiry and nonce. `state` is what came back in the callback.
    pub async fn finish(
        &self,
        pending: Pending,
        code: &str,
        state: &str,
        now: i64,
    ) -> Result<Identity, OidcError> {
        let state_ok: bool = pending.state.as_bytes().ct_eq(state.as_bytes()).into();
        if !state_ok || now - pending.started > PENDING_TTL_SECS {
            return Err(OidcError::WrongState);
        }
        let client = self.client(self.metadata(false).await?);
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Invalid(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = token
            .id_token()
            .ok_or_else(|| OidcError::Invalid("no ID token in the answer".into()))?;
        let nonce = Nonce::new(pending.nonce);
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                // the provider may have rotated its keys since discovery was read
                let client = self.client(self.metadata(true).await?);
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(claims_error)?
                    .clone()
            }
            other => other.map_err(claims_error)?.clone(),
        };
        let role = self
            .config
            .role_claim
            .as_deref()
            .map(|claim| self.role_for(&groups_claim(&id_token.to_string(), claim)));
        Ok(identity(&self.config.issuer, &claims, role))
    }

    /// The role the groups map to: the admin group wins, then the interviewer group.
    pub fn role_for(&self, groups: &[String]) -> Role {
        map_role(
            groups,
            self.config.admin_group.as_deref(),
            self.config.interviewer_group.as_deref(),
        )
    }
}

type CoreClientSet = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn identity(issuer: &str, claims: &CoreIdTokenClaims, role: Option<Role>) -> Identity {
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string())
        .or_else(|| claims.preferred_username().map(|u| u.as_str().to_string()));
    Identity {
        issuer: issuer.to_string(),
        subject: claims.subject().as_str().to_string(),
        email: claims.email().map(|e| e.as_str().to_string()),
        email_verified: claims.email_verified() == Some(true),
        name,
        role,
    }
}

/// Members of `admin` are admins, then members of `interviewer` interviewers, others candidates.
pub fn map_role(groups: &[String], admin: Option<&str>, interviewer: Option<&str>) -> Role {
    let member = |g: Option<&str>| g.is_some_and(|g| groups.iter().any(|x| x == g));
    if member(admin) {
        Role::Admin
    } else if member(interviewer) {
        Role::Interviewer
    } else {
        Role::Candidate
    }
}

/// The groups in claim `claim` of an ID token whose signature was already checked: a string
/// or an array of strings; anything else is no group.
fn groups_claim(jwt: &str, claim: &str) -> Vec<String> {
    let payload = jwt
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p).ok())
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
    match payload.as_ref().and_then(|p| p.get(claim)) {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn claims_error(e: openidconnect::ClaimsVerificationError) -> OidcError {
    use openidconnect::ClaimsVerificationError as C;
    match e {
        C::Expired(_) => OidcError::Expired,
        C::InvalidAudience(_) => OidcError::Audience,
        C::InvalidIssuer(_) => OidcError::Issuer,
        C::InvalidNonce(_) => OidcError::Nonce,
        C::SignatureVerification(_) => OidcError::Signature,
        other => OidcError::Invalid(other.to_string()),
    }
}

fn token_error<RE: std::error::Error + 'static>(
    e: openidconnect::RequestTokenError<
        RE,
        openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    >,
) -> OidcError {
    match e {
        openidconnect::RequestTokenError::ServerResponse(r) => {
            OidcError::Refused(r.error().as_ref().to_string())
        }
        openidconnect::RequestTokenError::Request(r) => OidcError::Unreachable(error_chain(&r)),
        other => OidcError::Invalid(error_chain(&other)),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_group_wins_over_the_interviewer_group() {
        let g = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, i) = (Some("ops"), Some("hiring"));
        assert_eq!(map_role(&g(&["hiring", "ops"]), a, i), Role::Admin);
        assert_eq!(map_role(&g(&["hiring"]), a, i), Role::Interviewer);
        assert_eq!(map_role(&g(&["sales"]), a, i), Role::Candidate);
        assert_eq!(map_role(&g(&["ops"]), None, i), Role::Candidate);
    }

    #[test]
    fn groups_are_read_as_a_string_or_a_list_of_strings() {
        let jwt = |claims: &str| format!("h.{}.s", URL_SAFE_NO_PAD.encode(claims));
        assert_eq!(groups_claim(&jwt(r#"{"g":"ops"}"#), "g"), vec!["ops"]);
        assert_eq!(
            groups_claim(&jwt(r#"{"g":["a",1,"b"]}"#), "g"),
            vec!["a", "b"]
        );
        assert!(groups_claim(&jwt(r#"{"g":{"x":1}}"#), "g").is_empty());
        assert!(groups_claim("garbage", "g").is_empty());
    }
}
