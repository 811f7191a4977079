//! Runtime configuration of the web server, resolved from flags and `GAUNTLET_*` variables.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// The default of `--max-account-storage-mb`.
pub const DEFAULT_MAX_ACCOUNT_STORAGE_MB: u64 = 100;
/// One megabyte, as the storage limit counts it.
pub const MB: u64 = 1024 * 1024;

/// Everything the running site needs to know about its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address the HTTP listener binds to.
    pub bind: SocketAddr,
    /// Extra content folder that adds to or overrides the built-in gauntlets.
    pub content_dir: Option<PathBuf>,
    /// The origin users reach the site at, e.g. `https://gauntlet.example.com` (no trailing slash).
    pub public_url: String,
    /// Login throttling limits.
    pub throttle: ThrottleConfig,
    /// Session lifetimes.
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// Serving limits.
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    /// Bytes one account may store in answers and their kept versions (`--max-account-storage-mb`).
    pub max_account_storage: u64,
}

/// Login throttling: per client address and per submitted account name.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub per_ip_per_minute: u32,
    pub per_ip_per_hour: u32,
    /// Consecutive failures on one account name before it is locked.
    pub account_failures: u32,
    pub account_lock: Duration,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 6,
            per_ip_per_hour: 30,
            account_failures: 10,
            account_lock: Duration::from_secs(600),
        }
    }
}

impl Config {
    /// A configuration for `bind` with the documented defaults.
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            content_dir: None,
            public_url: format!("http://{bind}"),
            throttle: ThrottleConfig::default(),
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(20),
            max_account_storage: DEFAULT_MAX_ACCOUNT_STORAGE_MB * MB,
        }
    }

    /// Whether the public URL is https: cookies get `Secure` and the `__Host-` prefix, HSTS is sent.
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// The scheme://host[:port] part of the public URL, as browsers send it in `Origin`.
    pub fn public_origin(&self) -> &str {
        let url = self.public_url.as_str();
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        match url[after_scheme..].find('/') {
            Some(i) => &url[..after_scheme + i],
            None => url,
        }
    }

    /// The name of the session cookie.
    pub fn cookie_name(&self) -> &'static str {
        if self.is_https() {
            "__Host-gauntlet"
        } else {
            "gauntlet_session"
        }
    }

    /// The account storage limit in whole megabytes, as the flag gives it.
    pub fn max_account_storage_mb(&self) -> u64 {
        self.max_account_storage / MB
    }

    /// An absolute link to `path` on the public site.
    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_origin(), path)
    }
}

/// Checks a `--public-url` value: http(s), a host, nothing after the path.
pub fn validate_public_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .ok_or_else(|| format!("public URL {url:?} must start with http:// or https://"))?;
    if rest.is_empty() || rest.contains(['?', '#', ' ', '@']) {
        return Err(format!(
            "public URL {url:?} must be a plain origin such as https://gauntlet.example.com"
        ));
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_origin_drops_the_path() {
        let mut c = Config::new("127.0.0.1:3000".parse().unwrap());
        assert_eq!(c.public_origin(), "http://127.0.0.1:3000");
        c.public_url = "https://g.example.com/team".into();
        assert_eq!(c.public_origin(), "https://g.example.com");
        assert!(c.is_https());
        assert_eq!(c.cookie_name(), "__Host-gauntlet");
    }

    #[test]
    fn public_url_validation_rejects_odd_values() {
        assert!(validate_public_url("ftp://x").is_err());
        assert!(validate_public_url("https://a@b").is_err());
        assert_eq!(
            validate_public_url("https://g.example.com/").unwrap(),
            "https://g.example.com"
        );
    }
}
