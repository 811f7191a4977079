//! Login throttling: attempts per client address (per minute and per hour) and consecutive
//! failures per submitted account name — counted for unknown names too, so a lock says nothing
//! about whether an account exists. Held in memory; a restart forgets it.

use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::config::ThrottleConfig;

/// Entries kept before old ones are swept (bounds memory under a flood of names).
const SWEEP_ABOVE: usize = 10_000;
const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const MAX_LOCK: Duration = Duration::from_secs(3600);

/// Refused: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

#[derive(Default)]
struct AccountState {
    failures: u32,
    locks: u32,
    locked_until: Option<Instant>,
    last_seen: Option<Instant>,
}

#[derive(Default)]
struct State {
    by_ip: HashMap<IpAddr, VecDeque<Instant>>,
    by_account: HashMap<String, AccountState>,
}

/// The login throttle shared by all requests.
pub struct LoginThrottle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    /// Records an attempt from `ip` for `account` and says whether it may proceed.
    pub fn attempt(&self, ip: IpAddr, account: &str) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.by_ip.len() + st.by_account.len() > SWEEP_ABOVE {
            sweep(&mut st, now);
        }
        if let Some(until) = st.by_account.get(account).and_then(|a| a.locked_until)
            && until > now
        {
            return Err(RetryAfter(secs_until(until, now)));
        }
        let times = st.by_ip.entry(ip).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) > HOUR) {
            times.pop_front();
        }
        let last_minute = times
            .iter()
            .filter(|t| now.duration_since(**t) <= MINUTE)
            .count();
        if last_minute >= self.config.per_ip_per_minute as usize {
            let oldest = times.iter().find(|t| now.duration_since(**t) <= MINUTE);
            return Err(RetryAfter(
                oldest.map_or(60, |t| secs_until(*t + MINUTE, now)),
            ));
        }
        if times.len() >= self.config.per_ip_per_hour as usize {
            let oldest = times.front().copied().unwrap_or(now);
            return Err(RetryAfter(secs_until(oldest + HOUR, now)));
        }
        times.push_back(now);
        Ok(())
    }

    /// Counts a failed attempt against the account name; locks it after too many in a row.
    pub fn failure(&self, account: &str) {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = st.by_account.entry(account.to_string()).or_default();
        entry.failures += 1;
        entry.last_seen = Some(now);
        if entry.failures >= self.config.account_failures {
            let lock = (self.config.account_lock * 2u32.saturating_pow(entry.locks)).min(MAX_LOCK);
            entry.locked_until = Some(now + lock);
            entry.locks += 1;
            entry.failures = 0;
        }
    }

    /// A successful login clears the account's failure count.
    pub fn success(&self, account: &str) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.by_account.remove(account);
    }
}

fn secs_until(until: Instant, now: Instant) -> u64 {
    until.saturating_duration_since(now).as_secs().max(1)
}

fn sweep(st: &mut State, now: Instant) {
    st.by_ip
        .retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) <= HOUR));
    st.by_account.retain(|_, a| {
        a.locked_until.is_some_and(|u| u > now)
            || a.last_seen.is_some_and(|t| now.duration_since(t) <= HOUR)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> IpAddr {
        "192.0.2.7".parse().unwrap()
    }

    #[test]
    fn per_ip_limit_refuses_the_seventh_attempt_in_a_minute() {
        let t = LoginThrottle::new(ThrottleConfig::default());
        for i in 0..6 {
            assert!(t.attempt(ip(), &format!("user{i}")).is_ok());
        }
        let RetryAfter(secs) = t.attempt(ip(), "user9").unwrap_err();
        assert!((1..=60).contains(&secs));
    }

    #[test]
    fn account_locks_after_consecutive_failures_even_if_unknown() {
        let cfg = ThrottleConfig {
            per_ip_per_minute: 1000,
            per_ip_per_hour: 1000,
            ..ThrottleConfig::default()
        };
        let t = LoginThrottle::new(cfg);
        for _ in 0..10 {
            t.attempt(ip(), "ghost@example.com").unwrap();
            t.failure("ghost@example.com");
        }
        assert!(t.attempt(ip(), "ghost@example.com").is_err());
        assert!(t.attempt(ip(), "someone@example.com").is_ok());
    }
}
