//! Password hashing (Argon2id, crate defaults) on a small dedicated thread pool behind a
//! semaphore, and the password policy. Dedicated threads (one per core) rather than tokio's
//! blocking pool: each hash allocates 19 MiB, and a few long-lived threads keep the allocator
//! from spreading that over many per-thread arenas.

use std::{
    sync::{Arc, Mutex, mpsc},
    time::Duration,
};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher as _, PasswordVerifier as _, Version,
    password_hash::{
        Output, ParamsString, SaltString,
        rand_core::{OsRng, RngCore as _},
    },
};
use tokio::sync::Semaphore;

/// Shortest and longest accepted passwords, in characters.
pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 128;

/// How long a login waits for a hashing slot before the server answers 503.
const PERMIT_WAIT: Duration = Duration::from_secs(2);

/// Why hashing or verifying did not happen.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Too many at once: no hashing slot came free in time (a 503 with Retry-After).
    #[error("the server is busy checking passwords; try again in a moment")]
    Busy,
    /// Argon2 itself failed or its worker thread is gone: a fault, not a reason to retry.
    #[error("password hashing failed: {0}")]
    Failed(String),
}

type Job = Box<dyn FnOnce() + Send>;

/// Hashes and verifies passwords; bounded to one hash per core at a time.
#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    /// Verified against when the account does not exist, so timing reveals nothing.
    dummy_hash: Arc<str>,
    /// How long to wait for a hashing slot before giving up with [`HashError::Busy`].
    permit_wait: Duration,
}

impl Passwords {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::with_limits(cores, PERMIT_WAIT)
    }

    /// `permits` hashes at once (one thread each); waits at most `permit_wait` for a slot.
    pub fn with_limits(permits: usize, permit_wait: Duration) -> Self {
        let cores = permits.max(1);
        let dummy = dummy_hash();
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..cores {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match queue.lock().unwrap_or_else(|p| p.into_inner()).recv() {
                            Ok(job) => job,
                            Err(_) => return, // every Passwords handle is gone
                        };
                        job();
                    }
                })
                .expect("spawn a password hashing thread");
        }
        Self {
            permits: Arc::new(Semaphore::new(cores)),
            jobs,
            dummy_hash: dummy,
            permit_wait,
        }
    }

    /// Hashes a new password (PHC string).
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || hash_now(&password).map_err(|e| HashError::Failed(e.to_string())))
            .await?
    }

    /// Verifies `password` against `stored`, or against the dummy hash when there is no account.
    /// Returns `false` for an unknown account, always after the same amount of work.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> Result<bool, HashError> {
        let dummy = self.dummy_hash.clone();
        self.run(move || {
            let known = stored.is_some();
            let hash = stored.unwrap_or_else(|| dummy.to_string());
            Ok(verify_now(&password, &hash) && known)
        })
        .await?
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.permit_wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|_| HashError::Failed("the hashing slots are closed".into()))?;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = done.send(work());
        });
        let gone = || HashError::Failed("the hashing threads are gone".into());
        self.jobs.send(job).map_err(|_| gone())?;
        result.await.map_err(|_| gone())
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

/// A stored-hash string with the current parameters, a random salt and a random output, which
/// no password matches: verifying against it costs a full Argon2 run, like a real account.
/// Made without hashing, so start-up neither waits for a hash nor keeps its 19 MiB.
fn dummy_hash() -> Arc<str> {
    let salt = SaltString::generate(&mut OsRng);
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    OsRng.fill_bytes(&mut output);
    let params = Params::default();
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).expect("the default parameters are a PHC string"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).expect("the default output length is allowed")),
    };
    hash.to_string().into()
}

fn hash_now(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether a stored hash was made with other parameters than the current ones (Argon2id v19,
/// the crate's defaults: m=19456 KiB, t=2, p=1), so it should be re-hashed at the next sign-in.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    let current = Params::default();
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != current.m_cost()
        || params.t_cost() != current.t_cost()
        || params.p_cost() != current.p_cost()
        || parsed
            .hash
            .is_none_or(|h| h.len() != Params::DEFAULT_OUTPUT_LEN)
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Common passwords that meet the length rule but are guessed first.
static COMMON: &str = include_str!("common-passwords.txt");

/// Checks the password policy. The message says what to do.
pub fn check_policy(password: &str, email: &str) -> Result<(), String> {
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(format!(
            "Use at least {MIN_LEN} characters (this one has {len}). A few random words work well."
        ));
    }
    if len > MAX_LEN {
        return Err(format!("Use at most {MAX_LEN} characters."));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if COMMON.lines().any(|c| !c.is_empty() && c == lower) {
        return Err(
            "That password is on the list of commonly used passwords; choose another.".into(),
        );
    }
    let distinct: std::collections::HashSet<char> = lower.chars().collect();
    if distinct.len() <= 3 {
        return Err(
            "That password repeats too few characters; choose something less predictable.".into(),
        );
    }
    if lower.contains("gauntlet") || (local.len() >= 4 && lower.contains(&local)) {
        return Err("Don't use the site's name or your email address in your password.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t26_policy_rejects_short_long_common_and_personal_passwords() {
        assert!(check_policy("short", "a@b.c").is_err());
        assert!(check_policy(&"x".repeat(129), "a@b.c").is_err());
        assert!(check_policy("password1234", "a@b.c").is_err());
        assert!(check_policy("aaaaaaaaaaaaaaaa", "a@b.c").is_err());
        assert!(check_policy("anastasia-says-hi", "anastasia@team.example").is_err());
        assert!(check_policy("correct horse battery", "a@b.c").is_ok());
    }

    #[tokio::test]
    async fn t28_new_hashes_are_current_and_older_parameters_need_a_rehash() {
        let h = hash_now("a long enough secret").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(!needs_rehash(&h));
        let salt = SaltString::generate(&mut OsRng);
        for (alg, m, t) in [
            (Algorithm::Argon2id, 4096, 1),
            (Algorithm::Argon2id, 19456, 1),
            (Algorithm::Argon2i, 19456, 2),
        ] {
            let old = Argon2::new(alg, Version::V0x13, Params::new(m, t, 1, None).unwrap())
                .hash_password(b"a long enough secret", &salt)
                .unwrap()
                .to_string();
            assert!(needs_rehash(&old), "{old}");
        }
        assert!(needs_rehash("not a PHC string"));
    }

    #[tokio::test]
    async fn t30_hashing_waits_at_most_its_limit_for_a_slot_then_answers_503() {
        use axum::response::IntoResponse as _;
        let p = Passwords::with_limits(1, Duration::from_millis(50));
        // one slot, held by a slow job
        let held = tokio::spawn({
            let p = p.clone();
            async move {
                p.run(|| std::thread::sleep(Duration::from_millis(1500)))
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        let busy = p.hash("a long enough secret".into()).await;
        assert!(busy.is_err(), "no slot free within the wait");
        let resp = crate::web::error::AppError::from(busy.unwrap_err()).into_response();
        assert_eq!(resp.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(resp.headers().contains_key("retry-after"));
        assert!(held.await.unwrap().is_ok());
        assert!(
            p.hash("a long enough secret".into()).await.is_ok(),
            "free again"
        );
    }

    #[test]
    fn t25_the_unknown_account_hash_costs_a_full_run_and_matches_nothing() {
        let dummy = dummy_hash();
        // the current parameters, so it costs what a real account's verification costs
        assert!(!needs_rehash(&dummy), "{dummy}");
        let parsed = PasswordHash::new(&dummy).unwrap();
        // a mismatch found by hashing, not a string Argon2 refuses before doing the work
        assert_eq!(
            Argon2::default().verify_password(b"any guess at all", &parsed),
            Err(argon2::password_hash::Error::Password)
        );
        assert_ne!(dummy, dummy_hash(), "a fresh salt and output per process");
    }

    #[tokio::test]
    async fn t25_hashes_verify_and_unknown_accounts_never_do() {
        let p = Passwords::new();
        let h = p.hash("a long enough secret".into()).await.unwrap();
        assert!(
            p.verify("a long enough secret".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(
            !p.verify("wrong guess entirely".into(), Some(h))
                .await
                .unwrap()
        );
        assert!(
            !p.verify("not a real password, only here for timing".into(), None)
                .await
                .unwrap()
        );
    }
}
