//! Runtime configuration of the web server, resolved from flags and `GAUNTLET_*` variables.

use std::{
    fmt,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    str::FromStr,
    time::Duration,
};

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
    fn public_url_validation_rejects_odd_values() {
        assert!(validate_public_url("ftp://x").is_err());
        assert!(validate_public_url("https://a@b").is_err());
        assert_eq!(
            validate_public_url("https://g.example.com/").unwrap(),
            "https://g.example.com"
        );
    }
}
