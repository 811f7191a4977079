-- Notifications and reviewer assignment.
--
-- outbox: every mail and webhook call the site means to make. Handlers only insert rows; one
-- background sender (notify::sender, started with the server) delivers them, retrying with
-- backoff until `max attempts`, then marks them failed. Timestamps are unix seconds.
create table outbox (
    id              integer primary key,
    channel         text    not null check (channel in ('email', 'webhook')),
    kind            text    not null,
    -- the address for email; 'webhook' for the site webhook (its URL is read at delivery)
    recipient       text    not null,
    subject         text    not null,
    body_text       text    not null,
    body_html       text    not null default '',
    created_at      integer not null,
    attempts        integer not null default 0,
    next_attempt_at integer not null,
    sent_at         integer,
    failed_at       integer,
    last_error      text    not null default ''
);
create index outbox_due on outbox (next_attempt_at) where sent_at is null and failed_at is null;
create index outbox_recent on outbox (id desc);

-- The kinds of mail a person turned off on their account page (no row: the kind is on).
create table notification_optouts (
    user_id integer not null references users (id) on delete cascade,
    kind    text    not null,
    primary key (user_id, kind)
);

-- When each person last got a reminder digest (at most one a day).
create table reminder_digests (
    user_id integer primary key references users (id) on delete cascade,
    sent_at integer not null
);

-- Password reset links: stored hashed, single use, valid one hour.
create table password_resets (
    token_hash text    primary key,
    user_id    integer not null references users (id) on delete cascade,
    created_at integer not null,
    expires_at integer not null,
    used_at    integer
);
create index password_resets_by_user on password_resets (user_id);

-- The interviewer a review request is assigned to (round-robin or least-loaded), and since when.
alter table attempts add column assigned_to integer references users (id) on delete set null;
alter table attempts add column assigned_at integer;

-- Categories an interviewer opted into (least-loaded may be limited to them); a category is a
-- gauntlet slug.
create table interviewer_categories (
    user_id integer not null references users (id) on delete cascade,
    slug    text    not null,
    primary key (user_id, slug)
);

insert into settings (key, value, updated_at) values
    ('assignment_mode', 'manual', 0),
    ('assignment_hours', '24', 0),
    ('assignment_categories', 'off', 0),
    ('assignment_last', '0', 0);
