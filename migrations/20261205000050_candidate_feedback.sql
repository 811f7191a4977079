-- What the candidate reads of their reviews (issue 13): when they last opened an attempt's
-- feedback ("New feedback on …" on the home page until then), and a per-round note that
-- interviewers keep for each other, apart from the comment the candidate reads.
alter table attempts add column feedback_seen_at integer;
alter table review_rounds add column private_note text not null default '';
