-- Accounts, invitations, first-run setup, site settings and the gauntlet versions ever loaded.
-- Timestamps are unix seconds (UTC).

create table users (
    id            integer primary key,
    email         text    not null unique collate nocase,
    display_name  text    not null,
    password_hash text    not null,
    role          text    not null check (role in ('candidate', 'interviewer', 'admin')),
    disabled      integer not null default 0 check (disabled in (0, 1)),
    -- bumped whenever existing sessions must stop working (disable, role change, password change)
    auth_epoch    integer not null default 0,
    created_at    integer not null,
    updated_at    integer not null
);

create table invites (
    id          integer primary key,
    token_hash  text    not null unique,
    role        text    not null check (role in ('candidate', 'interviewer', 'admin')),
    note        text    not null default '',
    created_by  integer references users (id) on delete set null,
    created_at  integer not null,
    expires_at  integer not null,
    used_at     integer,
    used_by     integer references users (id) on delete set null,
    revoked_at  integer
);

create table setup_tokens (
    token_hash text    primary key,
    created_at integer not null,
    expires_at integer not null,
    used_at    integer
);

create table settings (
    key        text    primary key,
    value      text    not null,
    updated_at integer not null
);

insert into settings (key, value, updated_at) values
    ('registration_mode', 'invite', 0),
    ('blind_review', 'off', 0);

-- Every version of a gauntlet that was ever loaded, so attempts can pin the exact text they answered.
create table gauntlet_versions (
    slug          text    not null,
    version       text    not null,
    title         text    not null,
    source        text    not null,
    first_seen_at integer not null,
    primary key (slug, version)
);
