-- A live interview started for someone without an account: an ordinary candidate invite
-- (`invites`, single-use, expiring with the session) tied to the session it opens. The session
-- and its attempt need the candidate's account, so they are created when the invite is accepted;
-- until then this row keeps what the start form said.
create table live_invites (
    id             integer primary key,
    invite_id      integer not null unique references invites (id) on delete cascade,
    interviewer_id integer not null references users (id) on delete cascade,
    slug           text    not null,
    version        text    not null,
    email          text    not null,
    scheduled_at   integer,
    expires_at     integer not null,
    created_at     integer not null,
    -- the session made when the invite was accepted
    session_id     integer references live_sessions (id) on delete set null
);
create index live_invites_by_interviewer on live_invites (interviewer_id);
