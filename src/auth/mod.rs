//! Authentication rules without HTTP: password hashing and policy, session contents,
//! login throttling, one-time tokens, the account use cases and OpenID Connect sign-in. The
//! HTTP side (extractors, CSRF guard) is in `web`.

pub mod accounts;
pub mod oidc;
pub mod password;
pub mod session;
pub mod session_store;
pub mod throttle;
pub mod tokens;

pub use crate::role::Role;
