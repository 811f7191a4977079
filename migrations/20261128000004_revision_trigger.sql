-- Every text an answer loses to a newer text is kept, whichever statement replaced it, so the
-- autosave can be a single UPDATE (one round trip, one commit).
create trigger answers_keep_overwritten
after update of body on answers
when old.body <> new.body and old.body <> ''
begin
    insert into answer_revisions (answer_id, version, body, kind, saved_at)
    values (old.id, old.version, old.body, 'overwritten', new.updated_at);
end;
