//! An in-process OpenID Connect provider for the tests: discovery, a JWKS with one RS256 key,
//! an authorization endpoint that answers at once (no login form) and a token endpoint that
//! checks the client secret and the PKCE verifier. `set_mode` makes it misbehave in one way.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    JsonWebKeyId, PrivateSigningKey,
    core::{CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey},
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "gauntlet-tests";
pub const CLIENT_SECRET: &str = "fake-idp-client-secret";
const KID: &str = "test-key-1";

/// How the next token is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Honest,
    /// Signed with a key the JWKS does not hold (under the same key id).
    BadSignature,
    /// Issued for another client.
    WrongAudience,
    /// Expired an hour ago.
    Expired,
    /// The first ID token ever issued, again (its nonce belongs to an old sign-in).
    Replay,
}

struct Inner {
    base: String,
    mode: Mode,
    /// The person who "signs in" at the provider: the token's claims besides the standard ones.
    person: Value,
    /// Codes handed out: (nonce, PKCE challenge).
    codes: HashMap<String, (String, String)>,
    issued: Vec<String>,
    key: CoreRsaPrivateSigningKey,
    rogue: CoreRsaPrivateSigningKey,
}

/// A running fake provider.
#[derive(Clone)]
pub struct FakeIdp(Arc<Mutex<Inner>>);

impl FakeIdp {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let key = |pem: &str| {
            CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new(KID.into()))).unwrap()
        };
        let idp = Self(Arc::new(Mutex::new(Inner {
            base,
            mode: Mode::Honest,
            person: json!({}),
            codes: HashMap::new(),
            issued: Vec::new(),
            key: key(include_str!("idp-key.pem")),
            rogue: key(include_str!("rogue-key.pem")),
        })));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        idp
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.0.lock().unwrap()
    }

    pub fn issuer(&self) -> String {
        self.lock().base.clone()
    }

    pub fn set_mode(&self, mode: Mode) {
        self.lock().mode = mode;
    }

    /// Who signs in next: `sub`, `email`, `email_verified`, `name`, `groups`, …
    pub fn set_person(&self, person: Value) {
        self.lock().person = person;
    }
}

async fn discovery(State(idp): State<FakeIdp>) -> Json<Value> {
    let base = idp.issuer();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(idp): State<FakeIdp>) -> Json<Value> {
    let key = serde_json::to_value(idp.lock().key.as_verification_key()).unwrap();
    Json(json!({ "keys": [key] }))
}

async fn authorize(
    State(idp): State<FakeIdp>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    assert_eq!(q["client_id"], CLIENT_ID);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["code_challenge_method"], "S256");
    let code = format!("code-{}", rand_suffix());
    let nonce = q["nonce"].clone();
    idp.lock()
        .codes
        .insert(code.clone(), (nonce, q["code_challenge"].clone()));
    let sep = if q["redirect_uri"].contains('?') {
        '&'
    } else {
        '?'
    };
    let to = format!(
        "{}{sep}code={code}&state={}",
        q["redirect_uri"],
        urlencode(&q["state"])
    );
    Redirect::to(&to).into_response()
}

async fn token(
    State(idp): State<FakeIdp>,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let mut st = idp.lock();
    let Some((nonce, challenge)) = f.get("code").and_then(|c| st.codes.remove(c)) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    };
    let verifier = f.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant");
    }
    let id_token = match (st.mode, st.issued.first()) {
        (Mode::Replay, Some(first)) => first.clone(),
        _ => st.id_token(&nonce),
    };
    st.issued.push(id_token.clone());
    Json(json!({
        "access_token": format!("at-{}", rand_suffix()),
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

impl Inner {
    fn id_token(&self, nonce: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let (iat, exp) = match self.mode {
            Mode::Expired => (now - 7200, now - 3600),
            _ => (now, now + 300),
        };
        let aud = match self.mode {
            Mode::WrongAudience => "some-other-app",
            _ => CLIENT_ID,
        };
        let mut claims = json!({
            "iss": self.base, "aud": aud, "iat": iat, "exp": exp, "nonce": nonce,
            "sub": "default-subject",
        });
        for (k, v) in self.person.as_object().into_iter().flatten() {
            claims[k] = v.clone();
        }
        let header = json!({ "alg": "RS256", "kid": KID, "typ": "JWT" });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let key = if self.mode == Mode::BadSignature {
            &self.rogue
        } else {
            &self.key
        };
        let sig = key
            .sign(
                &CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                input.as_bytes(),
            )
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({ "error": error }))).into_response()
}

fn rand_suffix() -> String {
    use rand::Rng;
    let n: u64 = rand::thread_rng().r#gen();
    format!("{n:016x}")
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
