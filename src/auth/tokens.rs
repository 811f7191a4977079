//! Random tokens for one-time links and CSRF, and their stored hashes.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{RngCore, rngs::OsRng};
use sha2::{Digest, Sha256};

/// 32 bytes from the OS CSPRNG, base64url without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A short random identifier for logs (request and correlation ids).
/// Made on every request, so from the thread's generator (seeded from the OS), not a system
/// call each time: it names a request, it guards nothing.
pub fn short_id() -> String {
    format!("{:016x}", rand::thread_rng().next_u64())
}

/// Hex SHA-256 of a token: what the database stores instead of the token itself.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a string looks like one of our tokens (cheap rejection before any lookup).
pub fn looks_like_token(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_well_formed() {
        let a = random_token();
        let b = random_token();
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert!(!looks_like_token("../etc/passwd"));
        assert_eq!(hash_token("x").len(), 64);
    }

    #[test]
    fn short_ids_are_sixteen_hex_digits_and_differ() {
        let ids: std::collections::HashSet<String> = (0..100).map(|_| short_id()).collect();
        assert_eq!(ids.len(), 100);
        for id in &ids {
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
        }
    }
}
