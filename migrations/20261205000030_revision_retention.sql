-- Bounded history per answer: the newest 20 overwritten texts are kept (older ones are pruned
-- by the same trigger that keeps them), and every losing text of a save conflict is kept.
-- The index now carries the kind, so the trigger finds an answer's overwritten texts from the
-- index alone (never reading the texts), and the export still reads them in id order.
drop index answer_revisions_by_answer;
create index answer_revisions_by_answer on answer_revisions (answer_id, id, kind);

drop trigger answers_keep_overwritten;
create trigger answers_keep_overwritten
after update of body on answers
when old.body <> new.body and old.body <> ''
begin
    insert into answer_revisions (answer_id, version, body, kind, saved_at)
    values (old.id, old.version, old.body, 'overwritten', new.updated_at);
    delete from answer_revisions
    where id in (select id from answer_revisions
                 where answer_id = old.id and kind = 'overwritten'
                 order by id desc limit -1 offset 20);
end;

-- what was kept before this limit
delete from answer_revisions
where kind = 'overwritten'
  and id <= (select r.id from answer_revisions r
             where r.answer_id = answer_revisions.answer_id and r.kind = 'overwritten'
             order by r.id desc limit 1 offset 20);
