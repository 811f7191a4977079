//! Runtime configuration of the web server, resolved from flags and `GAUNTLET_*` variables.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    str::FromStr,
    time::Duration,
};

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
    /// Reverse proxies whose `X-Forwarded-For`/`Forwarded` headers name the client.
    pub trusted_proxies: Vec<Cidr>,
    /// Session lifetimes.
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// How old the in-memory copy of a session may get before it is checked against its
    /// database row again (so a row deleted behind the process's back ends the session).
    /// Set in code (tests shorten it), not a flag.
    pub session_recheck: Duration,
    /// Serving limits.
    pub header_read_timeout: Duration,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    /// Bearer token that lets a non-loopback scraper read `/metrics`.
    pub metrics_token: Option<String>,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// A kept-alive connection with no request in flight is closed after this long.
    pub keep_alive_timeout: Duration,
    /// The longest a request body may take to arrive, in all (not per byte).
    pub body_deadline: Duration,
    /// Requests on the routes open to anyone, in flight at once from one client address.
    pub per_client_anonymous: usize,
    /// Bytes one account may store in answers and their kept versions (`--max-account-storage-mb`).
    pub max_account_storage: u64,
    /// Mail, webhook and reminder settings.
    pub mail: MailConfig,
    /// OpenID Connect sign-in (`--oidc-*`), when set up.
    pub oidc: Option<OidcConfig>,
    /// Whether the password form is offered and accepted (`--password-login`).
    pub password_login: bool,
}

/// A value that must not reach a log line: `Debug` prints a mask.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"********\"")
    }
}

/// The identity provider people may sign in through.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The issuer URL; discovery is read from `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// Shown on the button: "Sign in with <name>".
    pub name: String,
    /// The ID token claim holding the person's groups (`--oidc-role-claim`); without it roles
    /// are left as they are.
    pub role_claim: Option<String>,
    /// Members of this group are admins.
    pub admin_group: Option<String>,
    /// Members of this group (and not of the admin group) are interviewers.
    pub interviewer_group: Option<String>,
}

/// The default of `--oidc-name`.
pub const DEFAULT_OIDC_NAME: &str = "single sign-on";

/// Notifications: where mail and webhook calls go, and how often the sender looks around.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtps://…:465` (TLS). No URL:
    /// no mail is queued.
    pub smtp_url: Option<String>,
    /// The sender, `Gauntlet <gauntlet@example.com>` or a bare address.
    pub from: Option<String>,
    /// A Slack-compatible incoming webhook (http or https).
    pub webhook_url: Option<String>,
    /// Requests unclaimed (or claims unsubmitted) this long are named in the daily digest.
    pub reminder_hours: i64,
    /// The first retry waits this long; each further one twice as long (at most an hour).
    /// Set in code (tests shorten it), not a flag.
    pub retry_base: Duration,
    /// How often the sender checks reminders and stale assignments. Set in code.
    pub upkeep_interval: Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: None,
            webhook_url: None,
            reminder_hours: 48,
            retry_base: Duration::from_secs(30),
            upkeep_interval: Duration::from_secs(60),
        }
    }
}

/// Checks a `--smtp-url` and says how mail travels. `smtps://` is TLS from the first byte;
/// `smtp://…?tls=required` (or `opportunistic`) is STARTTLS. A bare `smtp://` to anything but
/// a loopback relay becomes `?tls=required`, so a password or a reset link never crosses the
/// network in the clear; plain SMTP is left only for a relay on the same host.
pub fn validate_smtp_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.chars().any(|c| c.is_control() || c == ' ') {
        return Err("--smtp-url must not contain spaces or control characters".into());
    }
    let lower = url.to_ascii_lowercase();
    let (secure, rest) = if let Some(rest) = lower.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("smtp://") {
        (false, rest)
    } else {
        return Err("--smtp-url must start with smtp:// (STARTTLS) or smtps:// (TLS)".into());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    if host.is_empty() {
        return Err("--smtp-url needs a host".into());
    }
    let tls = lower
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("tls="));
    match tls {
        Some("required" | "opportunistic") | None => {}
        Some(other) => {
            return Err(format!(
                "--smtp-url: tls={other} is unknown (use tls=required or tls=opportunistic)"
            ));
        }
    }
    let loopback = host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if secure || tls.is_some() || loopback {
        return Ok(url.to_string());
    }
    let joiner = if url.contains('?') { '&' } else { '?' };
    Ok(format!("{url}{joiner}tls=required"))
}

/// Checks a `--webhook-url`: http or https with a host, no user name or password in it. The
/// error shows the URL masked (a hook's path is its password).
pub fn validate_webhook_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let shown = mask_url(url);
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| format!("webhook URL {shown} must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!(
            "webhook URL {shown} needs a plain host and no spaces"
        ));
    }
    Ok(url.to_string())
}

/// A URL fit for a message: the scheme and host (without any user name or password), the rest
/// replaced by `…`. Control characters are dropped.
pub fn mask_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host: String = host.chars().filter(|c| !c.is_control()).take(100).collect();
    let scheme: String = scheme
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10)
        .collect();
    let tail = if rest.len() > authority.len() || authority.contains('@') {
        "/…"
    } else {
        ""
    };
    if scheme.is_empty() {
        format!("\"{host}{tail}\"")
    } else {
        format!("\"{scheme}://{host}{tail}\"")
    }
}

/// Login throttling: per client address and per submitted account name.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Failed sign-ins (and wrong current passwords) per client address per minute.
    pub per_ip_per_minute: u32,
    pub per_ip_per_hour: u32,
    /// Consecutive failures on one account name before it is locked; also the wrong current
    /// passwords in a row that end a session.
    pub account_failures: u32,
    /// The first lock; each further lock doubles it, up to one hour.
    pub account_lock: Duration,
    /// Open sign-ups per client address per hour.
    pub signups_per_hour: u32,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 6,
            per_ip_per_hour: 30,
            account_failures: 10,
            account_lock: Duration::from_secs(600),
            signups_per_hour: 10,
        }
    }
}

/// An address range in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is one host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the range (an IPv4-mapped IPv6 address counts as its IPv4 form).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || format!("{s:?} is not an address range like 10.0.0.0/8 or ::1/128");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let addr = addr.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
        };
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
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
            trusted_proxies: Vec::new(),
            idle_timeout: Duration::from_secs(30 * 60),
            absolute_timeout: Duration::from_secs(12 * 3600),
            session_recheck: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(20),
            metrics_token: None,
            max_connections: default_max_connections(),
            keep_alive_timeout: Duration::from_secs(60),
            body_deadline: Duration::from_secs(20),
            per_client_anonymous: 16,
            max_account_storage: DEFAULT_MAX_ACCOUNT_STORAGE_MB * MB,
            mail: MailConfig::default(),
            oidc: None,
            password_login: true,
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

/// The default connection cap: three quarters of the open-file limit left after 64 descriptors
/// for the database, logs and the like, between 64 and 10,000.
pub fn default_max_connections() -> usize {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .unwrap_or(1024);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    (limit.saturating_sub(64) / 4 * 3).clamp(64, 10_000)
}

/// Raises the soft open-file limit to the hard one (a server holds a descriptor per
/// connection; many systems start processes at 1,024).
pub fn raise_open_file_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    // `None` is unlimited; the kernel still caps descriptors at `nr_open`
    let wanted = limit.maximum.unwrap_or(1 << 20).min(1 << 20);
    if limit.current.is_some_and(|c| c < wanted) {
        limit.current = Some(wanted);
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::debug!(error = %e, "could not raise the open-file limit");
        }
    }
}

/// Checks a `--public-url` value: http(s), a host, nothing after the path. The scheme and host
/// are lower-cased and a default port (`:443` for https, `:80` for http) is dropped, because
/// browsers send the origin that way in `Origin` and the CSRF guard compares it exactly.
pub fn validate_public_url(url: &str) -> Result<String, String> {
    let trimmed = url.trim().trim_end_matches('/');
    let lower = trimmed.to_ascii_lowercase();
    let (scheme, default_port) = if lower.starts_with("https://") {
        ("https://", ":443")
    } else if lower.starts_with("http://") {
        ("http://", ":80")
    } else {
        return Err(format!(
            "public URL {url:?} must start with http:// or https://"
        ));
    };
    let rest = &trimmed[scheme.len()..];
    if rest.is_empty() || rest.contains(['?', '#', ' ', '@', '\\']) {
        return Err(format!(
            "public URL {url:?} must be a plain origin such as https://gauntlet.example.com"
        ));
    }
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(default_port).unwrap_or(&host);
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("public URL {url:?} has no host name"));
    }
    Ok(format!("{scheme}{host}{path}"))
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
    fn t57_address_ranges_parse_and_match() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(
            net.contains("::ffff:10.1.0.9".parse().unwrap()),
            "IPv4-mapped"
        );
        let host: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(host.to_string(), "192.0.2.7/32");
        assert!(host.contains("192.0.2.7".parse().unwrap()));
        assert!(!host.contains("192.0.2.8".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!(!all.contains("2001:db8::1".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "example.com",
            "10.0.0.0/-1",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn t91_smtp_to_another_host_always_uses_tls() {
        assert_eq!(
            validate_smtp_url("smtp://u:p@mail.example.com:587").unwrap(),
            "smtp://u:p@mail.example.com:587?tls=required"
        );
        assert_eq!(
            validate_smtp_url("smtp://mail.example.com?x=1").unwrap(),
            "smtp://mail.example.com?x=1&tls=required"
        );
        for kept in [
            "smtps://u:p@mail.example.com:465",
            "smtp://mail.example.com:587?tls=required",
            "smtp://mail.example.com:587?tls=opportunistic",
            "smtp://127.0.0.1:25",
            "smtp://localhost",
            "smtp://[::1]:2525",
        ] {
            assert_eq!(validate_smtp_url(kept).unwrap(), kept);
        }
        for bad in [
            "http://mail.example.com",
            "smtp://",
            "smtp://u:p@",
            "smtp://mail.example.com?tls=none",
            "smtp://mail.example.com\r\nX: y",
        ] {
            assert!(validate_smtp_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn t89_webhook_urls_must_be_plain_http_or_https() {
        assert!(validate_webhook_url("https://hooks.example.com/services/T/B/x").is_ok());
        assert!(validate_webhook_url("http://127.0.0.1:9000/hook").is_ok());
        for bad in [
            "file:///etc/passwd",
            "ftp://x/y",
            "https://user:pw@example.com/",
            "https:///nohost",
            "https://a.example.com/x\r\nHost: b",
            "javascript:alert(1)",
        ] {
            assert!(validate_webhook_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn webhook_errors_never_echo_the_secret_part() {
        for bad in [
            "https://user:hunter2@hooks.example.com/services/T0/B0/sekrit",
            "ftp://hooks.example.com/services/T0/B0/sekrit",
            "https://hooks.example.com/services/T0/B0/sekrit with space",
        ] {
            let err = validate_webhook_url(bad).unwrap_err();
            assert!(!err.contains("sekrit") && !err.contains("hunter2"), "{err}");
            assert!(err.contains("hooks.example.com"), "{err}");
        }
        assert_eq!(mask_url("https://h.example/x?y"), "\"https://h.example/…\"");
    }

    #[test]
    fn secrets_are_masked_in_debug_output() {
        let s = Secret("hunter2".into());
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn public_url_validation_rejects_odd_values() {
        assert!(validate_public_url("ftp://x").is_err());
        assert!(validate_public_url("https://a@b").is_err());
        assert_eq!(
            validate_public_url("https://g.example.com/").unwrap(),
            "https://g.example.com"
        );
        assert!(validate_public_url("https://:443").is_err());
    }

    #[test]
    fn t65_default_ports_are_dropped_as_browsers_drop_them_in_origin() {
        for (given, origin) in [
            ("https://g.example.com:443", "https://g.example.com"),
            ("HTTPS://G.Example.com:443/", "https://g.example.com"),
            ("http://g.example.com:80/team", "http://g.example.com/team"),
            ("https://g.example.com:8443", "https://g.example.com:8443"),
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://[::1]:80", "http://[::1]"),
            // a default port of the other scheme is not a default
            ("https://g.example.com:80", "https://g.example.com:80"),
        ] {
            let mut c = Config::new("127.0.0.1:3000".parse().unwrap());
            c.public_url = validate_public_url(given).unwrap();
            assert_eq!(
                c.public_origin(),
                origin.split("/team").next().unwrap(),
                "{given}"
            );
        }
    }
}
