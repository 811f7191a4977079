-- Removing a person keeps the reviews they wrote on other people's attempts (and the audit of
-- changes they made to reviews): reviews.reviewer_id and review_audit.actor_id become nullable
-- and are set to null when the account goes; pages show such a reviewer as "former interviewer".
-- SQLite cannot change a foreign key in place, so both tables are rebuilt (create, copy, drop,
-- rename). `db::open` applies migrations on a connection with foreign keys off (a dropped table
-- would otherwise cascade into review_rounds and review_comments) and runs foreign_key_check after.
-- The log of removed accounts is new: who removed which account id, when, and what went.

drop trigger if exists review_rounds_rev_insert;
drop trigger if exists review_rounds_rev_update;
drop trigger if exists review_rounds_rev_delete;
drop trigger if exists review_comments_rev_insert;
drop trigger if exists review_comments_rev_update;
drop trigger if exists review_comments_rev_delete;

create table review_audit_new (
    id        integer primary key,
    review_id integer not null references reviews (id) on delete cascade,
    actor_id  integer references users (id) on delete set null,
    at        integer not null,
    before    text    not null,
    after     text    not null
);
insert into review_audit_new (id, review_id, actor_id, at, before, after)
    select id, review_id, actor_id, at, before, after from review_audit;
drop table review_audit;
alter table review_audit_new rename to review_audit;
create index review_audit_by_review on review_audit (review_id, id);

create table reviews_new (
    id             integer primary key,
    attempt_id     integer not null references attempts (id) on delete cascade,
    reviewer_id    integer references users (id) on delete set null,
    recommendation text check (recommendation in ('not_yet', 'almost', 'ready', 'strong')),
    summary        text    not null default '',
    claimed_at     integer not null,
    updated_at     integer not null,
    submitted_at   integer,
    unique (attempt_id, reviewer_id)
);
insert into reviews_new (id, attempt_id, reviewer_id, recommendation, summary, claimed_at,
                         updated_at, submitted_at)
    select id, attempt_id, reviewer_id, recommendation, summary, claimed_at, updated_at,
           submitted_at
    from reviews;
drop table reviews;
alter table reviews_new rename to reviews;
create index reviews_by_reviewer on reviews (reviewer_id);

create trigger reviews_rev_insert after insert on reviews
begin
    update attempts set review_rev = review_rev + 1 where id = new.attempt_id;
end;
create trigger reviews_rev_update after update on reviews
begin
    update attempts set review_rev = review_rev + 1 where id in (old.attempt_id, new.attempt_id);
end;
create trigger reviews_rev_delete after delete on reviews
begin
    update attempts set review_rev = review_rev + 1 where id = old.attempt_id;
end;

create trigger review_rounds_rev_insert after insert on review_rounds
begin
    update attempts set review_rev = review_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;
create trigger review_rounds_rev_update after update on review_rounds
begin
    update attempts set review_rev = review_rev + 1
    where id in (select attempt_id from reviews where id in (old.review_id, new.review_id));
end;
create trigger review_rounds_rev_delete after delete on review_rounds
begin
    update attempts set review_rev = review_rev + 1
    where id = (select attempt_id from reviews where id = old.review_id);
end;

create trigger review_comments_rev_insert after insert on review_comments
begin
    update attempts set review_rev = review_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;
create trigger review_comments_rev_update after update on review_comments
begin
    update attempts set review_rev = review_rev + 1
    where id in (select attempt_id from reviews where id in (old.review_id, new.review_id));
end;
create trigger review_comments_rev_delete after delete on review_comments
begin
    update attempts set review_rev = review_rev + 1
    where id = (select attempt_id from reviews where id = old.review_id);
end;

-- Every account removal: who did it (null when the command line did), which account id and role,
-- and how many rows went. The removed person's email and name are not kept. SQLite may give a
-- removed account's id to the next new account; that account's auth_epoch then starts past the
-- removed one's, so a session of the removed person still held in a server's memory never
-- matches it.
create table account_removals (
    id         integer primary key,
    at         integer not null,
    actor_id   integer references users (id) on delete set null,
    actor      text    not null,
    subject_id integer not null,
    auth_epoch integer not null,
    role       text    not null,
    detail     text    not null
);
create index account_removals_by_subject on account_removals (subject_id);

create trigger users_reused_id after insert on users
when exists (select 1 from account_removals where subject_id = new.id)
begin
    update users
    set auth_epoch = (select max(auth_epoch) + 1 from account_removals where subject_id = new.id)
    where id = new.id;
end;
