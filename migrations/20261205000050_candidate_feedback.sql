-- What the candidate reads of their reviews (issue 13).
--
-- attempts.feedback_rev counts changes to what the candidate reads of the attempt's submitted
-- reviews; feedback_seen_rev is its value when the candidate last opened the debrief. The home
-- page says "New feedback on …" while the two differ. Triggers move the counter, so every
-- writer moves it, and a change inside one second is never missed (unlike a timestamp). Drafts
-- and private notes are not what the candidate reads, so they move nothing.
alter table attempts add column feedback_rev integer not null default 0;
alter table attempts add column feedback_seen_rev integer not null default 0;

-- A per-round note that interviewers keep for each other, apart from the comment the
-- candidate reads with the round.
alter table review_rounds add column private_note text not null default '';

create trigger reviews_feedback_insert after insert on reviews
when new.submitted_at is not null
begin
    update attempts set feedback_rev = feedback_rev + 1 where id = new.attempt_id;
end;
create trigger reviews_feedback_update after update on reviews
when new.submitted_at is not null
 and (old.submitted_at is null
      or old.summary is not new.summary
      or old.recommendation is not new.recommendation)
begin
    update attempts set feedback_rev = feedback_rev + 1 where id = new.attempt_id;
end;

create trigger review_rounds_feedback_insert after insert on review_rounds
when (select submitted_at from reviews where id = new.review_id) is not null
begin
    update attempts set feedback_rev = feedback_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;
create trigger review_rounds_feedback_update after update on review_rounds
when (select submitted_at from reviews where id = new.review_id) is not null
 and (old.level is not new.level
      or old.fell_into_trap is not new.fell_into_trap
      or old.weak_answers is not new.weak_answers
      or old.comment is not new.comment)
begin
    update attempts set feedback_rev = feedback_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;

create trigger review_comments_feedback_insert after insert on review_comments
when (select submitted_at from reviews where id = new.review_id) is not null
begin
    update attempts set feedback_rev = feedback_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;
create trigger review_comments_feedback_update after update of body on review_comments
when (select submitted_at from reviews where id = new.review_id) is not null
 and old.body is not new.body
begin
    update attempts set feedback_rev = feedback_rev + 1
    where id = (select attempt_id from reviews where id = new.review_id);
end;
