-- Drill cards: one per (person, gauntlet version, round, point or trap), made from what an
-- attempt missed, scheduled with FSRS. `key` is the Strong Answer claim or the warned-against
-- phrase ('' for a round's whole Trap Alert); `norm_key` is its merge form (lower case, single
-- spaces), so duplicates merge.
create table drill_cards (
    id               integer primary key,
    user_id          integer not null references users (id) on delete cascade,
    slug             text    not null,
    version          text    not null,
    round_number     integer not null check (round_number >= 1),
    kind             text    not null check (kind in ('point', 'trap')),
    key              text    not null,
    norm_key         text    not null,
    -- who noticed the miss: 'alignment', 'reviewer' or both, comma-separated
    sources          text    not null,
    -- the attempt that first produced the card (kept if the attempt is deleted)
    attempt_id       integer references attempts (id) on delete set null,
    stability        real    not null,
    difficulty       real    not null,
    due_at           integer not null,
    last_reviewed_at integer not null,
    reps             integer not null default 0,
    lapses           integer not null default 0,
    dismissed_at     integer,
    created_at       integer not null,
    updated_at       integer not null,
    unique (user_id, slug, version, round_number, kind, norm_key),
    foreign key (slug, version) references gauntlet_versions (slug, version) on delete restrict
);
create index drill_cards_due on drill_cards (user_id, due_at) where dismissed_at is null;

-- Every drill: what the candidate wrote, how they rated it and where it put the card.
create table drill_reviews (
    id            integer primary key,
    card_id       integer not null references drill_cards (id) on delete cascade,
    rating        integer not null check (rating between 1 and 4),
    answer        text    not null,
    reviewed_at   integer not null,
    interval_secs integer not null,
    due_at        integer not null
);
create index drill_reviews_by_card on drill_reviews (card_id, id);
