-- Bounded history per answer: the newest 20 overwritten texts are kept (older ones are pruned
-- by the same trigger that keeps them), and every losing text of a save conflict is kept.
-- The index lets the trigger find an answer's overwritten texts, newest first, without
-- reading the rows themselves; it replaces the plain (answer_id, id) index.
create index answer_revisions_by_kind on answer_revisions (answer_id, kind, id);
drop index answer_revisions_by_answer;

drop trigger answers_keep_overwritten;
create trigger answers_keep_overwritten
after update of body on answers
when old.body <> new.body and old.body <> ''
begin
    insert into answer_revisions (answer_id, version, body, kind, saved_at)
    values (old.id, old.version, old.body, 'overwritten', new.updated_at);
    delete from answer_revisions
    where answer_id = old.id and kind = 'overwritten'
      and id <= (select id from answer_revisions
                 where answer_id = old.id and kind = 'overwritten'
                 order by id desc limit 1 offset 20);
end;

-- what was kept before this limit
delete from answer_revisions
where kind = 'overwritten'
  and id <= (select r.id from answer_revisions r
             where r.answer_id = answer_revisions.answer_id and r.kind = 'overwritten'
             order by r.id desc limit 1 offset 20);
