//! One round's grading part of the review page: the replay of how its answer was written, the
//! reader's rubric fields with what the other visible reviews say of the round, and the form
//! for a comment on a passage. Rendered once per set of inputs and kept like the round blocks,
//! in a cache of its own (`ReviewCache::form`): after a grading save only the rounds whose
//! grade moved are rendered again.

use askama::Template;
use bytes::Bytes;

use super::cache::{ReviewCache, RoundKey};
use crate::{
    clock,
    content_store::Pinned,
    db::{
        attempts::{Answer, KeptText},
        reviews::Review,
    },
    grading::{Rubric, rubric::RoundGrade},
    practice::replay,
    web::{
        error::{AppError, Result},
        round_view::{self, LEVELS, RoundHead},
    },
};

/// What one round's grading part is built from, besides the round and its grade.
pub(super) struct FormContext<'a> {
    pub pinned: &'a Pinned,
    pub attempt_id: i64,
    pub csrf: &'a str,
    /// The reader holds a review of this attempt (the rubric fields are shown).
    pub claimed: bool,
    /// The reader's review is submitted and not opened for editing (fields read-only).
    pub locked: bool,
    /// A submitted review opened with "Edit submitted review".
    pub editing: bool,
    /// The other reviews the reader may see.
    pub others: &'a [&'a (Review, Rubric)],
    /// The attempt's overwritten texts (the replay), oldest first per answer.
    pub kept: &'a [KeptText],
}

/// Round `index`'s grading part: kept when the same inputs were rendered before, else rendered
/// and kept. `main` is the round's main answer (its replay), `grade` the reader's grade.
pub(super) fn render(
    cache: &ReviewCache,
    ctx: &FormContext<'_>,
    index: usize,
    main: Option<&Answer>,
    grade: &RoundGrade,
) -> Result<Bytes> {
    let number = ctx.pinned.gauntlet.rounds[index].number;
    let others = others_on(ctx.others, number);
    cache.form(key(ctx, index, main, grade, &others), || {
        let replay = main
            .map(|a| replay_frames(ctx.kept, a.id, &a.body, a.updated_at))
            .unwrap_or_default();
        RoundForm {
            number,
            v: round_view::head(ctx.pinned, index),
            grade,
            others: others.levels,
            private_notes: others.notes,
            replay,
            attempt_id: ctx.attempt_id,
            csrf: ctx.csrf,
            claimed: ctx.claimed,
            locked: ctx.locked,
            editing: ctx.editing,
            levels: LEVELS,
        }
        .render()
        .map_err(|e| AppError::Internal(format!("review page round form: {e}")))
    })
}

/// What the other visible reviews say of one round: (reviewer, level) and (reviewer, private
/// note), in review order.
struct OthersOnRound<'a> {
    levels: Vec<(&'a str, u8)>,
    notes: Vec<(&'a str, &'a str)>,
}

fn others_on<'a>(others: &[&'a (Review, Rubric)], number: u32) -> OthersOnRound<'a> {
    let graded = || {
        others
            .iter()
            .filter_map(move |(r, rb)| rb.round(number).map(|g| (r.reviewer_name.as_str(), g)))
    };
    OthersOnRound {
        levels: graded()
            .filter_map(|(who, g)| g.level.map(|l| (who, l)))
            .collect(),
        notes: graded()
            .filter(|(_, g)| !g.private_note.is_empty())
            .map(|(who, g)| (who, g.private_note.as_str()))
            .collect(),
    }
}

/// A hash of everything the grading part shows. The replay is named by its answer's id,
/// version and save time: the kept texts of a submitted answer cannot change (`cache::Kept::Fixed`), and its
/// version moved with every save that kept one.
fn key(
    ctx: &FormContext<'_>,
    index: usize,
    main: Option<&Answer>,
    grade: &RoundGrade,
    others: &OthersOnRound<'_>,
) -> RoundKey {
    let flags = i64::from(ctx.claimed) | i64::from(ctx.locked) << 1 | i64::from(ctx.editing) << 2;
    let mut key = RoundKey::default()
        .text("round form")
        .text(&ctx.pinned.gauntlet.slug)
        .text(&ctx.pinned.gauntlet.version)
        .number(index as i64)
        .number(ctx.attempt_id)
        .text(ctx.csrf)
        .number(flags)
        .number(main.map_or(-1, |a| a.id))
        .number(main.map_or(-1, |a| a.version))
        .number(main.map_or(-1, |a| a.updated_at))
        .number(grade.level.map_or(-1, i64::from))
        .number(i64::from(grade.fell_into_trap))
        .number(grade.weak_answers.len() as i64);
    for w in &grade.weak_answers {
        key = key.number(i64::from(*w));
    }
    key = key
        .text(&grade.comment)
        .text(&grade.private_note)
        .number(others.levels.len() as i64);
    for (who, level) in &others.levels {
        key = key.text(who).number(i64::from(*level));
    }
    key = key.number(others.notes.len() as i64);
    for (who, note) in &others.notes {
        key = key.text(who).text(note);
    }
    key
}

/// One step of an answer's replay slider.
struct ReplayFrame {
    /// When the text was saved, as the page shows it ("earlier" for the oldest kept text).
    label: String,
    /// Unix seconds, for the reader's local time (0 when unknown).
    at: i64,
    body: String,
    /// "paused 3 min" when the writer stopped before this text, else empty.
    pause: String,
}

/// The replay frames of one answer from its kept texts (none when it was saved only once).
fn replay_frames(kept: &[KeptText], answer: i64, body: &str, updated_at: i64) -> Vec<ReplayFrame> {
    let texts: Vec<(i64, String)> = kept
        .iter()
        .filter(|k| k.answer_id == answer)
        .map(|k| (k.saved_at, k.body.clone()))
        .collect();
    if texts.is_empty() {
        return Vec::new();
    }
    replay::frames(&texts, body, updated_at)
        .into_iter()
        .map(|f| ReplayFrame {
            label: f.at.map_or_else(|| "earlier".into(), clock::format_time),
            at: f.at.unwrap_or(0),
            body: f.body,
            pause: f
                .pause_before
                .map(|s| format!("paused {} min", (s + 30) / 60))
                .unwrap_or_default(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/review/round_form.html")]
struct RoundForm<'a> {
    number: u32,
    v: RoundHead,
    grade: &'a RoundGrade,
    others: Vec<(&'a str, u8)>,
    private_notes: Vec<(&'a str, &'a str)>,
    replay: Vec<ReplayFrame>,
    attempt_id: i64,
    csrf: &'a str,
    claimed: bool,
    locked: bool,
    editing: bool,
    levels: [(i64, &'static str, &'static str); 4],
}

impl RoundForm<'_> {
    /// Whether weak answer `index0` (0-based) is flagged.
    fn weak_checked(&self, index0: &usize) -> bool {
        u32::try_from(index0 + 1).is_ok_and(|k| self.grade.weak_answers.contains(&k))
    }

    /// The short text of weak answer `index0` (0-based), for its flag's label.
    fn weak_label(&self, index0: &usize) -> &str {
        self.v.weak_labels.get(*index0).map_or("", String::as_str)
    }

    /// Whether level `n` is the chosen level.
    fn level_checked(&self, n: &i64) -> bool {
        self.grade.level.map(i64::from) == Some(*n)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::content_store::ContentStore;

    async fn seed() -> Arc<Pinned> {
        let db = sqlx::SqlitePool::connect_lazy("sqlite::memory:").expect("lazy pool");
        let store = ContentStore::load(None);
        let slug = "multi-region-kubernetes";
        let version = store
            .current()
            .get(slug)
            .expect("seed")
            .gauntlet
            .version
            .clone();
        store
            .pinned(&db, slug, &version)
            .await
            .expect("db")
            .expect("pinned")
    }

    fn other(round: u32, name: &str, level: u8, note: &str) -> (Review, Rubric) {
        let review = Review {
            id: 7,
            attempt_id: 1,
            reviewer_id: 2,
            reviewer_name: name.into(),
            reviewer_email: String::new(),
            recommendation: None,
            summary: String::new(),
            claimed_at: 0,
            updated_at: 0,
            submitted_at: Some(1),
        };
        let mut grade = RoundGrade::empty(round);
        grade.level = Some(level);
        grade.private_note = note.into();
        let rubric = Rubric {
            rounds: vec![grade],
            recommendation: None,
            summary: String::new(),
        };
        (review, rubric)
    }

    /// Every input of a round's grading part reaches its key: after each change, the part
    /// rendered through the same cache shows the change (a stale kept part would not).
    #[tokio::test]
    async fn a_kept_grading_part_is_rendered_again_whenever_anything_it_shows_changes() {
        let pinned = seed().await;
        let round_where = |wanted: fn(&RoundHead) -> bool| {
            (0..pinned.gauntlet.rounds.len())
                .find(|&i| wanted(&round_view::head(&pinned, i)))
                .expect("such a round")
        };
        let trap_round = round_where(|h| h.has_trap);
        let weak_round = round_where(|h| !h.weak_answers.is_empty());
        let number = pinned.gauntlet.rounds[trap_round].number;
        let cache = ReviewCache::default();
        let others_a = [other(number, "Ada", 2, "")];
        let others_b = [other(number, "Ada", 4, "asked about quorum")];
        let (refs_a, refs_b): (Vec<_>, Vec<_>) =
            (others_a.iter().collect(), others_b.iter().collect());
        let ctx = |csrf, locked, others| FormContext {
            pinned: &pinned,
            attempt_id: 1,
            csrf,
            claimed: true,
            locked,
            editing: false,
            others,
            kept: &[],
        };
        let form = |ctx: &FormContext<'_>, index: usize, grade: &RoundGrade| {
            let piece = render(&cache, ctx, index, None, grade).expect("render");
            String::from_utf8(piece.to_vec()).expect("utf-8")
        };
        let mut grade = RoundGrade::empty(number);
        let plain = form(&ctx("tok1", false, &refs_a), trap_round, &grade);
        assert!(!plain.contains(" checked"), "nothing chosen yet");
        assert!(plain.contains("Ada <span class=\"level-chip\">2</span>"));
        let again = form(&ctx("tok1", false, &refs_a), trap_round, &grade);
        assert_eq!(plain, again, "kept");

        let changed = |grade: &RoundGrade, wanted: &str| {
            let page = form(&ctx("tok1", false, &refs_a), trap_round, grade);
            assert!(page.contains(wanted), "{wanted} in {page}");
        };
        grade.level = Some(3);
        changed(&grade, "value=\"3\" checked");
        grade.fell_into_trap = true;
        changed(&grade, "data-trap checked");
        grade.comment = "say more about etcd".into();
        changed(&grade, "say more about etcd</textarea>");
        grade.private_note = "strong on DNS".into();
        changed(&grade, "strong on DNS</textarea>");
        let b = form(&ctx("tok1", false, &refs_b), trap_round, &grade);
        assert!(b.contains("Ada <span class=\"level-chip\">4</span>"));
        assert!(b.contains("Private note from Ada: asked about quorum"));
        let token = form(&ctx("tok2", false, &refs_b), trap_round, &grade);
        assert!(token.contains("value=\"tok2\""));
        let locked = form(&ctx("tok2", true, &refs_b), trap_round, &grade);
        assert!(locked.contains(" disabled") && !locked.contains("add-comment"));

        let weak_number = pinned.gauntlet.rounds[weak_round].number;
        let mut weak = RoundGrade::empty(weak_number);
        let unflagged = form(&ctx("tok1", false, &refs_a), weak_round, &weak);
        weak.weak_answers = vec![1];
        let flagged = form(&ctx("tok1", false, &refs_a), weak_round, &weak);
        let flag = format!("name=\"weak_{weak_number}_1\" value=\"on\" checked");
        assert!(!unflagged.contains(&flag) && flagged.contains(&flag));
    }
}
