-- Writing gauntlets in the browser.
-- `users.can_author`: the authoring permission an admin grants to an interviewer (admins always
-- have it; a candidate's flag is ignored). A permission rather than a role: authors keep the
-- interviewer's review queue and kits, and roles stay one ladder.
-- `authored_gauntlets`: one row per gauntlet created in the browser, holding its draft. The
-- draft's `revision` counts saves; every save names the revision it started from, so two authors
-- editing one draft get a conflict instead of a silent overwrite (the rules of `answers`).
-- `authored_publications`: each published version (v1, v2, ...); the text itself is stored in
-- `gauntlet_versions`, which attempts pin. Publishing an earlier text again makes a new number
-- pointing at the same stored version, so (slug, version) is not unique here.
-- `authored_draft_revisions`: every draft text overwritten by a later save, and every losing text
-- of a save conflict.

alter table users add column can_author integer not null default 0 check (can_author in (0, 1));

create table authored_gauntlets (
    slug        text    primary key,
    draft       text    not null,
    revision    integer not null default 0,
    created_by  integer references users (id) on delete set null,
    created_at  integer not null,
    updated_by  integer references users (id) on delete set null,
    updated_at  integer not null
);

create table authored_publications (
    slug         text    not null references authored_gauntlets (slug) on delete cascade,
    number       integer not null check (number >= 1),
    version      text    not null,
    published_by integer references users (id) on delete set null,
    published_at integer not null,
    primary key (slug, number),
    foreign key (slug, version) references gauntlet_versions (slug, version) on delete restrict
);

create table authored_draft_revisions (
    id        integer primary key,
    slug      text    not null references authored_gauntlets (slug) on delete cascade,
    revision  integer not null,
    draft     text    not null,
    kind      text    not null check (kind in ('overwritten', 'conflict')),
    saved_by  integer references users (id) on delete set null,
    saved_at  integer not null
);
create index authored_draft_revisions_by_slug on authored_draft_revisions (slug, id);
