//! The per-session broadcast hub (app state): one `tokio::sync::broadcast` channel per live
//! session with subscribers, who is watching (presence), and a cap on open subscriptions per
//! user. Events carry their JSON already; the web layer turns them into server-sent events.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::sync::broadcast;

/// Events a channel holds for a slow subscriber before it lags (it then gets a fresh snapshot).
const CAPACITY: usize = 64;
/// Open event streams per user at most (a console and a few tabs).
pub const MAX_PER_USER: usize = 4;

/// Which side of the session a subscriber is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Interviewer,
    Candidate,
}

/// What an event is; `State` carries no data (each subscriber reloads its own view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Answer,
    State,
    Timer,
    Nudge,
    Presence,
    Note,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::State => "state",
            Self::Timer => "timer",
            Self::Nudge => "nudge",
            Self::Presence => "presence",
            Self::Note => "note",
        }
    }
}

/// One event on a session's channel.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: Kind,
    /// JSON text.
    pub data: String,
    /// Only the interviewer's console receives it (answers as typed, private notes).
    pub console_only: bool,
}

struct Channel {
    tx: broadcast::Sender<Arc<Event>>,
    attempt_id: i64,
    interviewers: usize,
    candidates: usize,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<i64, Channel>,
    by_attempt: HashMap<i64, i64>,
    per_user: HashMap<i64, usize>,
}

/// The hub; cheap to share behind the app state's `Arc`.
#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
    closed: AtomicBool,
}

/// Why a subscription was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The user has [`MAX_PER_USER`] streams open already.
    TooMany,
    /// The server is shutting down.
    Closed,
}

/// Who is watching a session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Presence {
    pub interviewer: bool,
    pub candidate: bool,
}

impl Presence {
    pub fn json(self) -> String {
        serde_json::json!({"interviewer": self.interviewer, "candidate": self.candidate})
            .to_string()
    }
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Subscribes `user` on `side` of session `session` (of attempt `attempt_id`); everyone
    /// on the channel hears the new presence. The subscription ends when it is dropped.
    pub fn subscribe(
        self: &Arc<Self>,
        session: i64,
        attempt_id: i64,
        user: i64,
        side: Side,
    ) -> Result<Subscription, Refusal> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Refusal::Closed);
        }
        let mut inner = self.lock();
        let open = inner.per_user.entry(user).or_default();
        if *open >= MAX_PER_USER {
            return Err(Refusal::TooMany);
        }
        *open += 1;
        inner.by_attempt.insert(attempt_id, session);
        let ch = inner.sessions.entry(session).or_insert_with(|| Channel {
            tx: broadcast::channel(CAPACITY).0,
            attempt_id,
            interviewers: 0,
            candidates: 0,
        });
        match side {
            Side::Interviewer => ch.interviewers += 1,
            Side::Candidate => ch.candidates += 1,
        }
        let rx = ch.tx.subscribe();
        let presence = Self::presence_of(ch);
        let _ = ch.tx.send(Arc::new(Event {
            kind: Kind::Presence,
            data: presence.json(),
            console_only: false,
        }));
        Ok(Subscription {
            rx,
            hub: Arc::clone(self),
            session,
            user,
            side,
        })
    }

    fn presence_of(ch: &Channel) -> Presence {
        Presence {
            interviewer: ch.interviewers > 0,
            candidate: ch.candidates > 0,
        }
    }

    /// Who is watching session `session`.
    pub fn presence(&self, session: i64) -> Presence {
        self.lock()
            .sessions
            .get(&session)
            .map(Self::presence_of)
            .unwrap_or_default()
    }

    /// Sends an event to the subscribers of `session` (none: nothing to do).
    pub fn publish(&self, session: i64, event: Event) {
        if let Some(ch) = self.lock().sessions.get(&session) {
            let _ = ch.tx.send(Arc::new(event));
        }
    }

    /// The session of `attempt_id` if anyone is subscribed to it: the save path asks this on
    /// every autosave, so an attempt nobody watches costs one map look-up.
    pub fn watched_session(&self, attempt_id: i64) -> Option<i64> {
        self.lock().by_attempt.get(&attempt_id).copied()
    }

    /// Open subscriptions of `user`.
    #[cfg(test)]
    pub fn open_for(&self, user: i64) -> usize {
        self.lock().per_user.get(&user).copied().unwrap_or(0)
    }

    /// Ends every stream (server shutdown): channels are dropped, so subscribers see the end.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        let mut inner = self.lock();
        inner.sessions.clear();
        inner.by_attempt.clear();
    }

    fn leave(&self, session: i64, user: i64, side: Side) {
        let mut inner = self.lock();
        if let Some(n) = inner.per_user.get_mut(&user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.per_user.remove(&user);
            }
        }
        let Some(ch) = inner.sessions.get_mut(&session) else {
            return;
        };
        match side {
            Side::Interviewer => ch.interviewers = ch.interviewers.saturating_sub(1),
            Side::Candidate => ch.candidates = ch.candidates.saturating_sub(1),
        }
        if ch.interviewers + ch.candidates == 0 {
            let attempt = ch.attempt_id;
            inner.sessions.remove(&session);
            inner.by_attempt.remove(&attempt);
            return;
        }
        let presence = Self::presence_of(ch);
        let _ = ch.tx.send(Arc::new(Event {
            kind: Kind::Presence,
            data: presence.json(),
            console_only: false,
        }));
    }
}

/// One open event stream; leaving is announced when it is dropped.
pub struct Subscription {
    pub rx: broadcast::Receiver<Arc<Event>>,
    hub: Arc<Hub>,
    session: i64,
    user: i64,
    pub side: Side,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.leave(self.session, self.user, self.side);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_hear_each_other_arrive_and_leave_and_the_channel_goes_with_the_last() {
        let hub = Arc::new(Hub::default());
        let mut a = hub.subscribe(1, 10, 100, Side::Interviewer).unwrap();
        assert_eq!(a.rx.recv().await.unwrap().kind, Kind::Presence);
        assert_eq!(hub.watched_session(10), Some(1));
        let b = hub.subscribe(1, 10, 200, Side::Candidate).unwrap();
        let ev = a.rx.recv().await.unwrap();
        assert!(ev.data.contains(r#""candidate":true"#));
        drop(b);
        let ev = a.rx.recv().await.unwrap();
        assert!(ev.data.contains(r#""candidate":false"#));
        drop(a);
        assert_eq!(hub.watched_session(10), None);
        assert_eq!(hub.open_for(100), 0);
    }

    #[test]
    fn a_user_has_at_most_max_per_user_streams() {
        let hub = Arc::new(Hub::default());
        let subs: Vec<_> = (0..MAX_PER_USER)
            .map(|i| hub.subscribe(i as i64, 1, 7, Side::Interviewer).unwrap())
            .collect();
        assert_eq!(
            hub.subscribe(99, 2, 7, Side::Interviewer).err(),
            Some(Refusal::TooMany)
        );
        drop(subs);
        assert!(hub.subscribe(99, 2, 7, Side::Interviewer).is_ok());
    }

    #[tokio::test]
    async fn closing_ends_every_stream() {
        let hub = Arc::new(Hub::default());
        let mut a = hub.subscribe(1, 10, 100, Side::Interviewer).unwrap();
        let _ = a.rx.recv().await;
        hub.close();
        assert!(matches!(
            a.rx.recv().await,
            Err(broadcast::error::RecvError::Closed)
        ));
        assert_eq!(
            hub.subscribe(1, 10, 100, Side::Candidate).err(),
            Some(Refusal::Closed)
        );
    }
}
