-- Live mock interviews: one session per attempt, run by an interviewer while the candidate
-- answers. The session row is the state machine's stored state (see `live::Session`); every
-- control is recorded with who and when; notes are the interviewer's own until the session
-- ends, when they become draft comments of the interviewer's review.

create table live_sessions (
    id             integer primary key,
    attempt_id     integer not null unique references attempts (id) on delete cascade,
    interviewer_id integer not null references users (id) on delete cascade,
    candidate_id   integer not null references users (id) on delete cascade,
    phase          text    not null default 'lobby' check (phase in ('lobby', 'round', 'debrief')),
    -- the round revealed to the candidate (0 in the lobby)
    round          integer not null default 0,
    -- the trap follow-up of the revealed round: not yet asked, asked, or skipped
    follow_up      text    not null default 'held' check (follow_up in ('held', 'asked', 'skipped')),
    -- whether the candidate may move on to the next round by submitting
    allow_advance  integer not null default 0 check (allow_advance in (0, 1)),
    -- the shared timer: started at the first reveal, paused time left out
    timer_started_at integer,
    paused_at      integer,
    paused_secs    integer not null default 0,
    nudge          text    not null default '',
    nudge_at       integer,
    scheduled_at   integer,
    expires_at     integer not null,
    joined_at      integer,
    created_at     integer not null,
    ended_at       integer
);
create index live_sessions_by_candidate on live_sessions (candidate_id, ended_at);
create index live_sessions_by_interviewer on live_sessions (interviewer_id, ended_at);

-- Every control: who, what, when.
create table live_controls (
    id         integer primary key,
    session_id integer not null references live_sessions (id) on delete cascade,
    actor_id   integer not null references users (id) on delete cascade,
    action     text    not null,
    detail     text    not null default '',
    at         integer not null
);
create index live_controls_by_session on live_controls (session_id, id);

-- The interviewer's private notes, anchored to words of an answer as it stood.
create table live_notes (
    id           integer primary key,
    session_id   integer not null references live_sessions (id) on delete cascade,
    round_number integer not null,
    quote        text    not null,
    body         text    not null,
    created_at   integer not null
);
create index live_notes_by_session on live_notes (session_id, id);
