//! Throttling of everything that guesses or creates accounts, held in memory (a restart
//! forgets it): failed sign-ins per client address (per minute and per hour) and consecutive
//! failures per submitted account name — counted for unknown names too, so a lock says nothing
//! about whether an account exists; wrong current passwords on a password change (they share the
//! per-address budget, and too many in a row end the session); and open sign-ups per address.
//! Successful sign-ins cost nothing, so many people behind one address can all sign in.

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
/// No lock lasts longer than this, however often a name was locked before.
pub const MAX_LOCK: Duration = Duration::from_secs(3600);
/// Account names are compared on at most this many bytes (no real address is longer), so a
/// flood of huge names cannot make the table huge.
const MAX_NAME: usize = 254;

/// Refused: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub u64);

impl RetryAfter {
    /// "45 seconds", "3 minutes", "1 hour": when to try again, for a page.
    pub fn in_words(self) -> String {
        match self.0 {
            1 => "1 second".into(),
            s if s < 90 => format!("{s} seconds"),
            s if s < 5400 => format!("{} minutes", s.div_ceil(60)),
            s => format!("{} hours", s.div_ceil(3600)),
        }
    }
}

/// An attempt counted against an address until it turns out to be harmless (a good password,
/// a sign-up form with a typo), when it is given back.
#[derive(Debug, Clone, Copy)]
#[must_use]
pub struct Ticket {
    ip: IpAddr,
    at: Instant,
}

/// A sign-in name that is locked now, for the admin page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedName {
    pub name: String,
    /// Seconds until the lock ends by itself.
    pub seconds_left: u64,
}

/// What a wrong current password on a password change leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// Say so and let them try again.
    TryAgain,
    /// Too many in a row: end the session.
    EndSession,
}

#[derive(Default)]
struct AccountState {
    failures: u32,
    locks: u32,
    locked_until: Option<Instant>,
    last_seen: Option<Instant>,
}

/// Recent events from one address, oldest first.
#[derive(Default)]
struct Window(VecDeque<Instant>);

impl Window {
    fn prune(&mut self, now: Instant) {
        while self
            .0
            .front()
            .is_some_and(|t| now.duration_since(*t) > HOUR)
        {
            self.0.pop_front();
        }
    }

    /// `Err` when another event would exceed `per_minute` (if given) or `per_hour`.
    fn check(
        &self,
        now: Instant,
        per_minute: Option<u32>,
        per_hour: u32,
    ) -> Result<(), RetryAfter> {
        if let Some(per_minute) = per_minute {
            let mut recent = self.0.iter().filter(|t| now.duration_since(**t) <= MINUTE);
            let oldest = recent.next().copied();
            let n = oldest.map_or(0, |_| 1 + recent.count());
            if n >= per_minute as usize {
                return Err(RetryAfter(
                    oldest.map_or(60, |t| secs_until(t + MINUTE, now)),
                ));
            }
        }
        if self.0.len() >= per_hour as usize {
            let oldest = self.0.front().copied().unwrap_or(now);
            return Err(RetryAfter(secs_until(oldest + HOUR, now)));
        }
        Ok(())
    }

    fn give_back(&mut self, at: Instant) {
        if let Some(i) = self.0.iter().rposition(|t| *t == at) {
            self.0.remove(i);
        }
    }
}

#[derive(Default)]
struct State {
    /// Failed (or still undecided) sign-ins and password checks.
    by_ip: HashMap<IpAddr, Window>,
    by_account: HashMap<String, AccountState>,
    /// Wrong current passwords in a row, by user id.
    password_checks: HashMap<i64, (u32, Instant)>,
    /// Open sign-ups.
    signups: HashMap<IpAddr, Window>,
}

/// The throttle shared by all requests.
pub struct LoginThrottle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

fn key(account: &str) -> &str {
    if account.len() <= MAX_NAME {
        return account;
    }
    let mut end = MAX_NAME;
    while !account.is_char_boundary(end) {
        end -= 1;
    }
    &account[..end]
}

impl LoginThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let size =
            st.by_ip.len() + st.by_account.len() + st.password_checks.len() + st.signups.len();
        if size > SWEEP_ABOVE {
            sweep(&mut st, Instant::now());
        }
        st
    }

    /// Counts an attempt from `ip` against `account` if it may proceed. The attempt counts as
    /// a failure until [`success`](Self::success) gives it back.
    pub fn attempt(&self, ip: IpAddr, account: &str) -> Result<Ticket, RetryAfter> {
        let now = Instant::now();
        let mut st = self.state();
        if let Some(until) = st.by_account.get(key(account)).and_then(|a| a.locked_until)
            && until > now
        {
            return Err(RetryAfter(secs_until(until, now)));
        }
        self.address_attempt(&mut st, ip, now)
    }

    fn address_attempt(
        &self,
        st: &mut State,
        ip: IpAddr,
        now: Instant,
    ) -> Result<Ticket, RetryAfter> {
        let window = st.by_ip.entry(ip).or_default();
        window.prune(now);
        window.check(
            now,
            Some(self.config.per_ip_per_minute),
            self.config.per_ip_per_hour,
        )?;
        window.0.push_back(now);
        Ok(Ticket { ip, at: now })
    }

    /// Counts a failed attempt against the account name; locks it after too many in a row.
    pub fn failure(&self, account: &str) {
        let now = Instant::now();
        let mut st = self.state();
        let entry = st.by_account.entry(key(account).to_string()).or_default();
        entry.failures += 1;
        entry.last_seen = Some(now);
        if entry.failures >= self.config.account_failures {
            entry.locked_until = Some(now + lock_length(self.config.account_lock, entry.locks));
            entry.locks = entry.locks.saturating_add(1);
            entry.failures = 0;
        }
    }

    /// A successful sign-in: the attempt no longer counts against the address, and the
    /// account's failure count starts again.
    pub fn success(&self, ticket: Ticket, account: &str) {
        let mut st = self.state();
        if let Some(w) = st.by_ip.get_mut(&ticket.ip) {
            w.give_back(ticket.at);
        }
        st.by_account.remove(key(account));
    }

    /// Sign-in names locked now, the longest-locked first.
    pub fn locked_names(&self) -> Vec<LockedName> {
        let now = Instant::now();
        let st = self.state();
        let mut out: Vec<LockedName> = st
            .by_account
            .iter()
            .filter_map(|(name, a)| {
                let until = a.locked_until.filter(|u| *u > now)?;
                Some(LockedName {
                    name: name.clone(),
                    seconds_left: secs_until(until, now),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            b.seconds_left
                .cmp(&a.seconds_left)
                .then(a.name.cmp(&b.name))
        });
        out
    }

    /// Lifts the lock on a name (and forgets its failures); `false` if it was not locked.
    pub fn unlock(&self, account: &str) -> bool {
        let now = Instant::now();
        let mut st = self.state();
        let locked = st
            .by_account
            .get(key(account))
            .and_then(|a| a.locked_until)
            .is_some_and(|u| u > now);
        if locked {
            st.by_account.remove(key(account));
        }
        locked
    }

    /// Before checking a signed-in user's current password: the per-address budget of
    /// sign-in failures applies. Give the ticket back with [`password_ok`](Self::password_ok).
    pub fn password_check(&self, ip: IpAddr) -> Result<Ticket, RetryAfter> {
        let now = Instant::now();
        let mut st = self.state();
        self.address_attempt(&mut st, ip, now)
    }

    /// The current password was right.
    pub fn password_ok(&self, ticket: Ticket, user: i64) {
        let mut st = self.state();
        if let Some(w) = st.by_ip.get_mut(&ticket.ip) {
            w.give_back(ticket.at);
        }
        st.password_checks.remove(&user);
    }

    /// The current password was wrong; after too many in a row the session must end (and the
    /// count starts again for the next session).
    pub fn password_wrong(&self, user: i64) -> PasswordCheck {
        let now = Instant::now();
        let mut st = self.state();
        let entry = st.password_checks.entry(user).or_insert((0, now));
        entry.0 += 1;
        entry.1 = now;
        if entry.0 >= self.config.account_failures {
            st.password_checks.remove(&user);
            PasswordCheck::EndSession
        } else {
            PasswordCheck::TryAgain
        }
    }

    /// Counts an open sign-up from `ip` if the address has not had too many in the last hour.
    /// A form sent back for a typo gives its ticket back with [`signup_refund`](Self::signup_refund).
    pub fn signup(&self, ip: IpAddr) -> Result<Ticket, RetryAfter> {
        let now = Instant::now();
        let mut st = self.state();
        let window = st.signups.entry(ip).or_default();
        window.prune(now);
        window.check(now, None, self.config.signups_per_hour)?;
        window.0.push_back(now);
        Ok(Ticket { ip, at: now })
    }

    /// The sign-up did not create an account and revealed nothing: it does not count.
    pub fn signup_refund(&self, ticket: Ticket) {
        let mut st = self.state();
        if let Some(w) = st.signups.get_mut(&ticket.ip) {
            w.give_back(ticket.at);
        }
    }
}

/// The length of a name's next lock: the first lock doubled for each earlier one, never more
/// than [`MAX_LOCK`].
fn lock_length(first: Duration, earlier_locks: u32) -> Duration {
    first
        .checked_mul(2u32.saturating_pow(earlier_locks))
        .unwrap_or(MAX_LOCK)
        .min(MAX_LOCK)
}

fn secs_until(until: Instant, now: Instant) -> u64 {
    until.saturating_duration_since(now).as_secs().max(1)
}

fn sweep(st: &mut State, now: Instant) {
    let recent = |w: &Window| w.0.back().is_some_and(|t| now.duration_since(*t) <= HOUR);
    st.by_ip.retain(|_, w| recent(w));
    st.signups.retain(|_, w| recent(w));
    st.by_account.retain(|_, a| {
        a.locked_until.is_some_and(|u| u > now)
            || a.last_seen.is_some_and(|t| now.duration_since(t) <= HOUR)
    });
    st.password_checks
        .retain(|_, (_, at)| now.duration_since(*at) <= HOUR);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip() -> IpAddr {
        "192.0.2.7".parse().unwrap()
    }

    fn relaxed() -> ThrottleConfig {
        ThrottleConfig {
            per_ip_per_minute: 1000,
            per_ip_per_hour: 1000,
            ..ThrottleConfig::default()
        }
    }

    #[test]
    fn per_ip_limit_refuses_the_seventh_failure_in_a_minute() {
        let t = LoginThrottle::new(ThrottleConfig::default());
        for i in 0..6 {
            assert!(t.attempt(ip(), &format!("user{i}")).is_ok());
        }
        let RetryAfter(secs) = t.attempt(ip(), "user9").unwrap_err();
        assert!((1..=60).contains(&secs));
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert!(t.attempt(other, "user9").is_ok(), "per address");
    }

    #[test]
    fn t57_successful_sign_ins_do_not_use_up_the_address_budget() {
        let t = LoginThrottle::new(ThrottleConfig::default());
        for i in 0..50 {
            let name = format!("user{i}@team.example");
            let ticket = t
                .attempt(ip(), &name)
                .expect("a good sign-in is never refused");
            t.success(ticket, &name);
        }
        for i in 0..6 {
            let name = format!("guess{i}@team.example");
            let _ = t.attempt(ip(), &name).unwrap();
            t.failure(&name);
        }
        assert!(
            t.attempt(ip(), "guess9@team.example").is_err(),
            "failures still count"
        );
    }

    #[test]
    fn account_locks_after_consecutive_failures_even_if_unknown() {
        let t = LoginThrottle::new(relaxed());
        for _ in 0..10 {
            let _ = t.attempt(ip(), "ghost@example.com").unwrap();
            t.failure("ghost@example.com");
        }
        assert!(t.attempt(ip(), "ghost@example.com").is_err());
        assert!(t.attempt(ip(), "someone@example.com").is_ok());
    }

    #[test]
    fn t58_locks_double_but_never_exceed_an_hour_and_an_admin_can_lift_them() {
        assert_eq!(lock_length(Duration::from_secs(600), 0).as_secs(), 600);
        assert_eq!(lock_length(Duration::from_secs(600), 1).as_secs(), 1200);
        assert_eq!(lock_length(Duration::from_secs(600), 3), MAX_LOCK);
        assert_eq!(lock_length(Duration::from_secs(600), u32::MAX), MAX_LOCK);
        assert_eq!(lock_length(Duration::from_secs(86_400 * 365), 0), MAX_LOCK);

        let t = LoginThrottle::new(relaxed());
        for round in 0..8 {
            for _ in 0..10 {
                let _ = t.attempt(ip(), "ana@team.example").unwrap();
                t.failure("ana@team.example");
            }
            let RetryAfter(secs) = t.attempt(ip(), "ana@team.example").unwrap_err();
            assert!(secs <= 3600, "round {round}: {secs} s");
            let locked = t.locked_names();
            assert_eq!(locked.len(), 1);
            assert_eq!(locked[0].name, "ana@team.example");
            assert!(locked[0].seconds_left <= 3600);
            // expire the lock by hand so the next round escalates
            let mut st = t.state();
            st.by_account
                .get_mut("ana@team.example")
                .unwrap()
                .locked_until = None;
        }
        for _ in 0..10 {
            let _ = t.attempt(ip(), "ana@team.example").unwrap();
            t.failure("ana@team.example");
        }
        assert!(t.unlock("ana@team.example"));
        assert!(t.locked_names().is_empty());
        assert!(t.attempt(ip(), "ana@team.example").is_ok());
        assert!(!t.unlock("ana@team.example"), "not locked any more");
        assert!(!t.unlock("nobody@team.example"));
    }

    #[test]
    fn huge_names_are_counted_under_a_bounded_key() {
        let t = LoginThrottle::new(relaxed());
        let long = "é".repeat(40_000);
        for _ in 0..10 {
            let _ = t.attempt(ip(), &long).unwrap();
            t.failure(&long);
        }
        assert!(t.attempt(ip(), &long).is_err());
        assert!(t.locked_names()[0].name.len() <= MAX_NAME);
    }

    #[test]
    fn t56_ten_wrong_current_passwords_in_a_row_end_the_session() {
        let t = LoginThrottle::new(relaxed());
        for _ in 0..9 {
            let _ = t.password_check(ip()).unwrap();
            assert_eq!(t.password_wrong(7), PasswordCheck::TryAgain);
        }
        let ticket = t.password_check(ip()).unwrap();
        t.password_ok(ticket, 7);
        for _ in 0..9 {
            assert_eq!(
                t.password_wrong(7),
                PasswordCheck::TryAgain,
                "a right one resets"
            );
        }
        assert_eq!(t.password_wrong(7), PasswordCheck::EndSession);
        assert_eq!(t.password_wrong(8), PasswordCheck::TryAgain, "per user");

        let strict = LoginThrottle::new(ThrottleConfig::default());
        for _ in 0..6 {
            let _ = strict.password_check(ip()).unwrap();
        }
        assert!(
            strict.password_check(ip()).is_err(),
            "the sign-in budget applies"
        );
        assert!(
            strict.attempt(ip(), "x@team.example").is_err(),
            "and is shared"
        );
    }

    #[test]
    fn t59_sign_ups_per_address_are_limited_and_typos_are_refunded() {
        let t = LoginThrottle::new(ThrottleConfig::default());
        let typo = t.signup(ip()).unwrap();
        t.signup_refund(typo);
        for _ in 0..10 {
            let _ = t.signup(ip()).unwrap();
        }
        let RetryAfter(secs) = t.signup(ip()).unwrap_err();
        assert!((3500..=3600).contains(&secs), "{secs}");
        assert!(t.signup("192.0.2.8".parse().unwrap()).is_ok());
        assert_eq!(RetryAfter(secs).in_words(), "60 minutes");
        assert_eq!(RetryAfter(1).in_words(), "1 second");
        assert_eq!(RetryAfter(45).in_words(), "45 seconds");
        assert_eq!(RetryAfter(125).in_words(), "3 minutes");
    }
}
