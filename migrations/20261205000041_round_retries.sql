-- "Try this round again": an attempt of one round only, pointing at the attempt it retries.
alter table attempts add column retry_of integer references attempts (id) on delete set null;
alter table attempts add column only_round integer check (only_round is null or only_round >= 1);
create index attempts_retry_of on attempts (retry_of) where retry_of is not null;
