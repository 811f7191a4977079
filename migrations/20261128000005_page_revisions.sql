-- Revision numbers for what the review page shows, moved by triggers so that every writer (the
-- site, the command line, a statement typed by hand) moves them: a rendered review page is
-- reused only while its attempt's review_rev and the site-wide counters are unchanged.
-- (A requested attempt's answers are all submitted, so they cannot change under it.)
alter table attempts add column review_rev integer not null default 0;

create table change_counters (
    name text    primary key,
    n    integer not null
);
insert into change_counters (name, n) values ('users', 0), ('settings', 0);

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

create trigger users_rev_insert after insert on users
begin
    update change_counters set n = n + 1 where name = 'users';
end;
create trigger users_rev_update after update on users
begin
    update change_counters set n = n + 1 where name = 'users';
end;
create trigger users_rev_delete after delete on users
begin
    update change_counters set n = n + 1 where name = 'users';
end;

create trigger settings_rev_insert after insert on settings
begin
    update change_counters set n = n + 1 where name = 'settings';
end;
create trigger settings_rev_update after update on settings
begin
    update change_counters set n = n + 1 where name = 'settings';
end;
create trigger settings_rev_delete after delete on settings
begin
    update change_counters set n = n + 1 where name = 'settings';
end;
