//! A candidate's history (every attempt, a chart of levels per round kind over time) and the
//! export of all their own data as JSON.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    body::{Body, Bytes},
    extract::State,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    layout::Chrome,
};
use crate::{
    clock, db,
    practice::Part,
    state::{AppState, ExportSlot},
};

/// One attempt row in the history table.
pub struct AttemptRow {
    pub id: i64,
    pub title: String,
    pub started: String,
    pub mode: &'static str,
    pub status: String,
    /// Submitted feedback not opened yet.
    pub new_feedback: bool,
    pub finished: bool,
    pub self_levels: String,
    pub reviewed_levels: String,
    /// For a retry ("Try this round again"): the round it covers.
    pub retried_round: Option<i64>,
}

/// One small chart: the levels for one round position (Opening, Probe, …), one column per
/// attempt in time order, the self-assessment and each reviewer's level stacked in it.
pub struct Chart {
    pub name: String,
    pub columns: Vec<Column>,
    /// SVG polyline points through the self-assessed dots.
    pub line: String,
    /// The chart in words, for screen readers.
    pub summary: String,
}

/// One attempt's column in a chart.
pub struct Column {
    /// Centre of the column, in SVG units.
    pub x: f64,
    /// "#1", "#2", … in time order (the table says which attempt it is).
    pub tick: String,
    pub date: String,
    pub title: String,
    pub self_level: Option<i64>,
    pub reviewer_levels: Vec<i64>,
    pub dots: Vec<Dot>,
}

impl Column {
    pub fn reviewers_label(&self) -> String {
        if self.reviewer_levels.is_empty() {
            "—".into()
        } else {
            self.reviewer_levels
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// A dot on a chart; `x`, `y` in SVG units. Hollow for self-assessed, filled for reviewed.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub level: i64,
    pub label: String,
    pub reviewed: bool,
}

/// The chart's geometry (SVG units): the plot area and the room for axis labels.
pub const CHART_W: f64 = 300.0;
pub const CHART_H: f64 = 140.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 290.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 100.0;

/// The y of level `l` (1–4).
fn level_y(l: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * (l - 1.0) / 3.0
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/history.html")]
struct HistoryPage {
    chrome: Chrome,
    rows: Vec<AttemptRow>,
    charts: Vec<Chart>,
    /// Drills done, retention and streak.
    drills: Option<super::drills::HistoryPanel>,
}

impl HistoryPage {
    /// The y of each level's grid line, for the template: (level, y).
    fn grid(&self) -> Vec<(i64, f64)> {
        (1..=4).map(|l| (l, level_y(l as f64))).collect()
    }
}

/// `GET /history`
pub async fn history(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let attempts = db::attempts::for_user(&mut *conn, user.id).await?;
    let levels = db::attempts::self_levels_of_user(&mut *conn, user.id).await?;
    let reviewed = db::attempts::reviewed_levels_of_user(&mut *conn, user.id).await?;
    let review_states = db::attempts::review_states_of_user(&mut *conn, user.id).await?;
    let mut rows = Vec::new();
    let mut titles = BTreeMap::new();
    for a in &attempts {
        let pinned = state
            .content
            .pinned(&mut *conn, &a.slug, &a.version)
            .await?;
        let title = pinned
            .as_ref()
            .map_or_else(|| a.slug.clone(), |p| p.gauntlet.title.clone());
        titles.insert(
            a.id,
            (title.clone(), pinned, a.finished_at.unwrap_or(a.started_at)),
        );
        let mine: Vec<String> = levels
            .iter()
            .filter(|l| l.attempt_id == a.id)
            .map(|l| l.level.to_string())
            .collect();
        let rs = review_states.iter().find(|s| s.attempt_id == a.id);
        rows.push(AttemptRow {
            id: a.id,
            title,
            started: clock::format_datetime(a.started_at),
            mode: if a.mode == "study" {
                "Study"
            } else {
                "Interview"
            },
            status: status_of(a, rs),
            new_feedback: rs.is_some_and(db::attempts::ReviewState::new_feedback),
            finished: a.finished_at.is_some(),
            retried_round: a.only_round,
            reviewed_levels: reviewed_summary(&reviewed, a.id),
            self_levels: if mine.is_empty() {
                "—".into()
            } else {
                mine.join(" · ")
            },
        });
    }
    // chart by round position name: every gauntlet escalates through the same five kinds
    let mut by_name: BTreeMap<(u32, String), Vec<ChartPoint>> = BTreeMap::new();
    let tagged = levels
        .iter()
        .map(|l| (l, false))
        .chain(reviewed.iter().map(|l| (l, true)));
    for (l, is_review) in tagged {
        let Some((title, Some(pinned), at)) = titles.get(&l.attempt_id) else {
            continue;
        };
        let Some(round) = pinned
            .gauntlet
            .rounds
            .iter()
            .find(|r| i64::from(r.number) == l.round_number)
        else {
            continue;
        };
        let name = round.name.trim_start_matches("The ").to_string();
        by_name
            .entry((round.number, name))
            .or_default()
            .push(ChartPoint {
                attempt: l.attempt_id,
                attempt_at: *at,
                title: title.clone(),
                level: l.level,
                reviewed: is_review,
            });
    }
    let charts = by_name
        .into_iter()
        .map(|((_, name), points)| chart(name, points))
        .collect();
    let drills = Some(super::drills::history_panel(&state, &mut conn, user.id).await?);
    Ok(HistoryPage {
        drills,
        chrome,
        rows,
        charts,
    })
}

/// An attempt's status in words, with where its reviews stand.
fn status_of(a: &db::attempts::Attempt, rs: Option<&db::attempts::ReviewState>) -> String {
    match (a.finished_at, a.review_requested_at, rs) {
        (None, _, _) => "In progress".into(),
        (Some(_), _, Some(s)) if s.finals > 0 && s.finals < s.claimed => {
            format!("Reviewed ({} of {})", s.finals, s.claimed)
        }
        (Some(_), _, Some(s)) if s.finals > 0 => "Reviewed".into(),
        (Some(_), _, Some(s)) if s.claimed > 0 => "In review".into(),
        (Some(_), Some(_), _) => "Review requested".into(),
        (Some(_), None, _) => "Finished".into(),
    }
}

/// One level to plot.
struct ChartPoint {
    attempt: i64,
    attempt_at: i64,
    title: String,
    level: i64,
    reviewed: bool,
}

/// Per round, the reviewers' mean level ("2 · 3.5 · …"), or a dash before any review.
fn reviewed_summary(reviewed: &[db::attempts::LevelPoint], attempt: i64) -> String {
    let mut by_round: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for l in reviewed.iter().filter(|l| l.attempt_id == attempt) {
        by_round.entry(l.round_number).or_default().push(l.level);
    }
    if by_round.is_empty() {
        return "—".into();
    }
    by_round
        .values()
        .map(|ls| {
            let mean = ls.iter().sum::<i64>() as f64 / ls.len() as f64;
            if mean.fract() == 0.0 {
                format!("{mean:.0}")
            } else {
                format!("{mean:.1}")
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// One column per attempt (oldest left), the self dot and the reviewers' dots stacked in it;
/// dots of equal level sit side by side so none hides another.
fn chart(name: String, mut points: Vec<ChartPoint>) -> Chart {
    points.sort_by_key(|p| (p.attempt_at, p.attempt, p.reviewed, p.level));
    let mut order: Vec<(i64, i64, String)> = Vec::new();
    for p in &points {
        if !order.iter().any(|(id, _, _)| *id == p.attempt) {
            order.push((p.attempt, p.attempt_at, p.title.clone()));
        }
    }
    let n = order.len();
    let columns: Vec<Column> = order
        .iter()
        .enumerate()
        .map(|(i, (id, at, title))| {
            let x = if n <= 1 {
                (LEFT + RIGHT) / 2.0
            } else {
                LEFT + 16.0 + (RIGHT - LEFT - 32.0) * i as f64 / (n - 1) as f64
            };
            let mine: Vec<&ChartPoint> = points.iter().filter(|p| p.attempt == *id).collect();
            let self_level = mine.iter().find(|p| !p.reviewed).map(|p| p.level);
            let reviewer_levels: Vec<i64> = mine
                .iter()
                .filter(|p| p.reviewed)
                .map(|p| p.level)
                .collect();
            let tick = format!("#{}", i + 1);
            let date = clock::format_date(*at);
            let mut dots = Vec::new();
            for level in 1..=4 {
                let here: Vec<&&ChartPoint> = mine.iter().filter(|p| p.level == level).collect();
                let k = here.len() as f64;
                for (j, p) in here.iter().enumerate() {
                    let who = if p.reviewed { "a reviewer" } else { "you" };
                    dots.push(Dot {
                        x: x + (j as f64 - (k - 1.0) / 2.0) * 9.0,
                        y: level_y(level as f64),
                        level,
                        reviewed: p.reviewed,
                        label: format!("{tick} {title} ({date}): {who}, level {level}"),
                    });
                }
            }
            Column {
                x,
                tick,
                date,
                title: title.clone(),
                self_level,
                reviewer_levels,
                dots,
            }
        })
        .collect();
    let line = columns
        .iter()
        .filter_map(|c| {
            c.self_level
                .map(|l| format!("{:.1},{:.1}", c.x, level_y(l as f64)))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let summary = columns
        .iter()
        .map(|c| {
            format!(
                "attempt {} ({}): you {}, reviewers {}",
                c.tick,
                c.date,
                c.self_level.map_or("—".to_string(), |l| l.to_string()),
                c.reviewers_label()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Chart {
        summary: format!("{name}, level 1 to 4 by attempt: {summary}"),
        name,
        columns,
        line,
    }
}

/// Revisions read (and sent) at a time: at most a few MB in memory per export.
const REVISIONS_PER_CHUNK: i64 = 8;

/// `GET /account/export.json`: everything the candidate wrote, as a download (times in ISO 8601
/// UTC, described in docs/export.md). The document is
/// streamed a few rows at a time (a large account never sits in memory whole), one export per
/// account at a time. An error after the first byte ends the connection without the end of
/// the document, so a client never mistakes a cut-short export for a whole one.
pub async fn export(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
) -> Result<Response> {
    let slot = state.exports.take(user.id).ok_or_else(|| {
        AppError::Busy(
            "An export of your account is already being downloaded. Wait for it to finish, then try again.".into(),
        )
    })?;
    // read before the first byte is sent, so a failure here still gets an ordinary error page
    let attempts = db::attempts::for_user(&mut *state.db.get().await?, user.id).await?;
    let head = json!({
        "exported_at": clock::iso8601(clock::now()),
        "user": {"email": user.email, "display_name": user.display_name, "role": user.role.as_str()},
    });
    let doc = ExportDoc {
        state: state.clone(),
        user: user.id,
        head: Some(head),
        attempts: attempts.into_iter(),
        wrote_attempt: false,
        attempt: None,
        revisions_of: None,
        cards: None,
        finished: false,
        _slot: slot,
    };
    let chunks = futures_util::stream::try_unfold(doc, |mut doc| async move {
        match doc.next_chunk().await {
            Ok(Some(chunk)) => Ok(Some((chunk, doc))),
            Ok(None) => Ok(None),
            Err(e) => {
                tracing::error!(user = doc.user, error = %e, "personal export failed part-way; the download is cut off");
                Err(e)
            }
        }
    });
    let mut resp = Body::from_stream(chunks).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"gauntlet-export.json\""),
    );
    Ok(resp)
}

/// The personal export being written: where it has got to.
struct ExportDoc {
    state: AppState,
    user: i64,
    /// The export's first fields, until written.
    head: Option<serde_json::Value>,
    attempts: std::vec::IntoIter<db::attempts::Attempt>,
    wrote_attempt: bool,
    /// The attempt whose answers are being written.
    attempt: Option<OpenAttempt>,
    /// The answer whose revisions are being written: its id, the last revision written and
    /// whether none was written yet.
    revisions_of: Option<(i64, i64, bool)>,
    /// The drill cards still to write, once the attempts are written.
    cards: Option<std::iter::Peekable<std::vec::IntoIter<db::drills::Card>>>,
    finished: bool,
    /// This account's export slot, freed when the download ends or is dropped.
    _slot: ExportSlot,
}

struct OpenAttempt {
    id: i64,
    answers: std::vec::IntoIter<db::attempts::Answer>,
    wrote_answer: bool,
}

impl ExportDoc {
    /// The next piece of the document; `None` after its end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let mut out = Vec::new();
        if let Some(head) = self.head.take() {
            open_object(&mut out, &head, "attempts")?;
            return Ok(Some(out.into()));
        }
        if let Some((answer_id, after, none_yet)) = self.revisions_of {
            let page = db::attempts::revisions_after(
                &mut *self.state.db.get().await?,
                answer_id,
                after,
                REVISIONS_PER_CHUNK,
            )
            .await?;
            let Some(last) = page.last().map(|r| r.id) else {
                self.revisions_of = None;
                out.extend_from_slice(b"]}");
                return Ok(Some(out.into()));
            };
            for (i, r) in page.into_iter().enumerate() {
                if !(none_yet && i == 0) {
                    out.push(b',');
                }
                let rev = json!({"version": r.version, "body": r.body, "kind": r.kind, "saved_at": clock::iso8601(r.saved_at)});
                serde_json::to_writer(&mut out, &rev).map_err(internal)?;
            }
            self.revisions_of = Some((answer_id, last, false));
            return Ok(Some(out.into()));
        }
        if let Some(open) = &mut self.attempt {
            if let Some(ans) = open.answers.next() {
                if open.wrote_answer {
                    out.push(b',');
                }
                open.wrote_answer = true;
                let answer = json!({
                    "round": ans.round_number,
                    "part": if ans.part == Part::FollowUp.as_str() { "follow_up" } else { "main" },
                    "body": ans.body,
                    "version": ans.version,
                    "first_viewed_at": clock::iso8601(ans.first_viewed_at),
                    "updated_at": clock::iso8601(ans.updated_at),
                    "submitted_at": ans.submitted_at.map(clock::iso8601),
                });
                open_object(&mut out, &answer, "revisions")?;
                self.revisions_of = Some((ans.id, 0, true));
                return Ok(Some(out.into()));
            }
            let selfs: Vec<_> =
                db::attempts::self_assessment(&mut *self.state.db.get().await?, open.id)
                    .await?
                    .into_iter()
                    .map(|s| json!({"round": s.round_number, "level": s.level, "note": s.note}))
                    .collect();
            out.extend_from_slice(b"],\"self_assessment\":");
            serde_json::to_writer(&mut out, &selfs).map_err(internal)?;
            out.push(b'}');
            self.attempt = None;
            return Ok(Some(out.into()));
        }
        if let Some(a) = self.attempts.next() {
            let answers = db::attempts::answers(&mut *self.state.db.get().await?, a.id).await?;
            if self.wrote_attempt {
                out.push(b',');
            }
            self.wrote_attempt = true;
            let attempt = json!({
                "id": a.id,
                "gauntlet": a.slug,
                "gauntlet_version": a.version,
                "mode": a.mode,
                "started_at": clock::iso8601(a.started_at),
                "finished_at": a.finished_at.map(clock::iso8601),
                "review_requested_at": a.review_requested_at.map(clock::iso8601),
                "retry_of": a.retry_of,
                "only_round": a.only_round,
            });
            open_object(&mut out, &attempt, "answers")?;
            self.attempt = Some(OpenAttempt {
                id: a.id,
                answers: answers.into_iter(),
                wrote_answer: false,
            });
            return Ok(Some(out.into()));
        }
        if self.finished {
            return Ok(None);
        }
        let Some(cards) = &mut self.cards else {
            // the attempts are written: the drill cards follow, one card and its log a chunk
            let all = db::drills::for_user(&mut *self.state.db.get().await?, self.user).await?;
            self.cards = Some(all.into_iter().peekable());
            out.extend_from_slice(b"],\"drill_cards\":[");
            return Ok(Some(out.into()));
        };
        if let Some(card) = cards.next() {
            let reviews =
                db::drills::reviews_of_card(&mut *self.state.db.get().await?, card.id, self.user)
                    .await?;
            let doc = super::drills::export_card(&card, &reviews);
            serde_json::to_writer(&mut out, &doc).map_err(internal)?;
            if cards.peek().is_some() {
                out.push(b',');
            }
            return Ok(Some(out.into()));
        }
        self.finished = true;
        out.extend_from_slice(b"]}\n");
        Ok(Some(out.into()))
    }
}

/// Writes `object` without its closing brace, followed by `"list":[`.
fn open_object(out: &mut Vec<u8>, object: &serde_json::Value, list: &str) -> Result<()> {
    serde_json::to_writer(&mut *out, object).map_err(internal)?;
    let closing = out.pop();
    debug_assert_eq!(closing, Some(b'}'));
    if object.as_object().is_some_and(|o| !o.is_empty()) {
        out.push(b',');
    }
    serde_json::to_writer(&mut *out, list).map_err(internal)?;
    out.extend_from_slice(b":[");
    Ok(())
}

fn internal(e: serde_json::Error) -> AppError {
    AppError::Internal(e.to_string())
}
