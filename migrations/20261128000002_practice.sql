-- Practice attempts: each pins the exact gauntlet version it is answered on.

create table attempts (
    id                   integer primary key,
    user_id              integer not null references users (id) on delete cascade,
    slug                 text    not null,
    version              text    not null,
    mode                 text    not null check (mode in ('interview', 'study')),
    started_at           integer not null,
    finished_at          integer,
    review_requested_at  integer,
    foreign key (slug, version) references gauntlet_versions (slug, version) on delete restrict
);
create index attempts_by_user on attempts (user_id, started_at);
create index attempts_review_queue on attempts (review_requested_at) where review_requested_at is not null;

-- One row per round step the candidate has reached: the main answer and, where the round has
-- one, the trap follow-up. `version` counts saves (optimistic concurrency); once `submitted_at`
-- is set the body never changes.
create table answers (
    id              integer primary key,
    attempt_id      integer not null references attempts (id) on delete cascade,
    round_number    integer not null,
    part            text    not null check (part in ('main', 'follow_up')),
    body            text    not null default '',
    version         integer not null default 0,
    first_viewed_at integer not null,
    updated_at      integer not null,
    submitted_at    integer,
    unique (attempt_id, round_number, part)
);

-- Every text that was overwritten by a later save, and every losing text of a save conflict.
create table answer_revisions (
    id        integer primary key,
    answer_id integer not null references answers (id) on delete cascade,
    version   integer not null,
    body      text    not null,
    kind      text    not null check (kind in ('overwritten', 'conflict')),
    saved_at  integer not null
);
create index answer_revisions_by_answer on answer_revisions (answer_id, id);

-- The candidate's own rubric levels after the debrief.
create table self_assessments (
    attempt_id   integer not null references attempts (id) on delete cascade,
    round_number integer not null,
    level        integer not null check (level between 1 and 4),
    note         text    not null default '',
    updated_at   integer not null,
    primary key (attempt_id, round_number)
);
