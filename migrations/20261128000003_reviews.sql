-- Interviewer reviews: one per (attempt, reviewer), created when the interviewer claims the
-- attempt; a draft until submitted, editable afterwards with every change audited.

create table reviews (
    id             integer primary key,
    attempt_id     integer not null references attempts (id) on delete cascade,
    reviewer_id    integer not null references users (id) on delete cascade,
    recommendation text check (recommendation in ('not_yet', 'almost', 'ready', 'strong')),
    summary        text    not null default '',
    claimed_at     integer not null,
    updated_at     integer not null,
    submitted_at   integer,
    unique (attempt_id, reviewer_id)
);
create index reviews_by_reviewer on reviews (reviewer_id);

-- The rubric per round: level 1-4, trap and weak-answer flags, a comment.
create table review_rounds (
    review_id      integer not null references reviews (id) on delete cascade,
    round_number   integer not null,
    level          integer check (level between 1 and 4),
    fell_into_trap integer not null default 0 check (fell_into_trap in (0, 1)),
    -- 1-based numbers of the weak answers the answer resembles, comma-separated ("1,3")
    weak_answers   text    not null default '',
    comment        text    not null default '',
    primary key (review_id, round_number)
);

-- Comments anchored to a span (byte offsets) of the candidate's answer.
create table review_comments (
    id           integer primary key,
    review_id    integer not null references reviews (id) on delete cascade,
    round_number integer not null,
    span_start   integer not null,
    span_end     integer not null,
    quote        text    not null,
    body         text    not null,
    created_at   integer not null,
    check (span_start >= 0 and span_end > span_start)
);
create index review_comments_by_review on review_comments (review_id, round_number);

-- Every change to a review after it was submitted: who, when, before and after (JSON).
create table review_audit (
    id        integer primary key,
    review_id integer not null references reviews (id) on delete cascade,
    actor_id  integer not null references users (id) on delete cascade,
    at        integer not null,
    before    text    not null,
    after     text    not null
);
create index review_audit_by_review on review_audit (review_id, id);
