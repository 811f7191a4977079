//! The interviewer's console page: the revealed round, its guidance, the answer as last saved
//! with its hints, the private notes and the log of controls.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    Seen, answer_text,
    events::{Hints, hints},
    latest_answer, load_seen, revealed_round, round_count,
};
use crate::{
    clock,
    db::{self, attempts::Answer},
    live::hub::Side,
    practice::{self, Part},
    state::AppState,
    web::{
        error::Result,
        extract::CurrentUser,
        layout::Chrome,
        round_view::{GuidanceBlock, guidance_blocks},
    },
};

/// One note in the console.
pub struct NoteView {
    pub round: i64,
    pub quote: String,
    pub body: String,
    pub anchored: bool,
}

/// One recorded control in the console's log.
pub struct LogLine {
    pub who: String,
    pub action: String,
    pub detail: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/live/console.html")]
struct ConsolePage {
    chrome: Chrome,
    id: i64,
    attempt_id: i64,
    title: String,
    candidate: String,
    join_link: String,
    phase: &'static str,
    round: u32,
    round_count: u32,
    round_name: String,
    prompt: String,
    follow_up_question: Option<String>,
    follow_up: &'static str,
    allow_advance: bool,
    paused: bool,
    elapsed: i64,
    closed: bool,
    expired: bool,
    scheduled_at: Option<i64>,
    body: String,
    part: String,
    saved_label: String,
    guidance: Vec<GuidanceBlock>,
    hints: Option<Hints>,
    notes: Vec<NoteView>,
    log: Vec<LogLine>,
    nudge: String,
    error: Option<String>,
}

impl ConsolePage {
    fn when(&self, at: &i64) -> String {
        clock::format_datetime(*at)
    }

    /// The shared timer as the page was rendered (the script keeps it running).
    fn elapsed_label(&self) -> String {
        format!("{:02}:{:02}", self.elapsed / 60, self.elapsed % 60)
    }

    fn attempt_id(&self) -> i64 {
        self.attempt_id
    }
}

/// `GET /live/{id}`: the interviewer's console; the candidate's join link leads them to their
/// round page.
pub async fn console(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    if seen.side == Side::Candidate {
        return Ok(Redirect::to(&format!("/attempts/{}", seen.row.attempt_id)).into_response());
    }
    Ok(console_page(&state, chrome, seen, None)
        .await?
        .into_response())
}

async fn console_page(
    state: &AppState,
    chrome: Chrome,
    seen: Seen,
    error: Option<String>,
) -> Result<ConsolePage> {
    let Seen { row, pinned, .. } = seen;
    let g = &pinned.gauntlet;
    let mut conn = state.db.get().await?;
    let answers = db::attempts::answers(&mut *conn, row.attempt_id).await?;
    let notes = db::live::notes(&mut *conn, row.id).await?;
    let log = db::live::controls(&mut *conn, row.id).await?;
    drop(conn);
    let now = clock::now();
    let s = row.session(round_count(g));
    let revealed = revealed_round(&row, &s);
    let index = g.rounds.iter().position(|r| r.number == revealed.max(1));
    let index = index.unwrap_or(0);
    let round = &g.rounds[index];
    let latest = latest_answer(&answers, revealed);
    Ok(ConsolePage {
        chrome,
        id: row.id,
        attempt_id: row.attempt_id,
        title: g.title.clone(),
        candidate: row.candidate_name.clone(),
        join_link: state.config.link(&format!("/live/{}", row.id)),
        phase: s.phase.as_str(),
        round: revealed,
        round_count: round_count(g),
        round_name: round.name.clone(),
        prompt: round.prompt.clone(),
        follow_up_question: round.follow_up.clone(),
        follow_up: s.follow_up.as_str(),
        allow_advance: s.allow_advance,
        paused: s.paused_at.is_some(),
        elapsed: s.elapsed(now),
        closed: row.ended_at.is_some(),
        expired: row.ended_at.is_none() && row.is_closed(now),
        scheduled_at: row.scheduled_at,
        body: latest.map(|a| a.body.clone()).unwrap_or_default(),
        part: latest.map_or(Part::Main, |a| a.part).as_str().to_string(),
        saved_label: latest
            .filter(|a| a.version > 0)
            .map(|a| clock::format_time(a.updated_at))
            .unwrap_or_default(),
        hints: latest
            .and_then(|a| hints(&pinned, u32::try_from(a.round_number).unwrap_or(0), &a.body)),
        guidance: if revealed > 0 {
            guidance_blocks(&pinned, index)
        } else {
            Vec::new()
        },
        notes: note_views(notes, &answers),
        log: log.into_iter().map(LogLine::from).collect(),
        nudge: row.nudge.clone(),
        error,
    })
}

/// The notes as the console lists them, each marked whether its words are still in the answer.
fn note_views(notes: Vec<db::live::Note>, answers: &[Answer]) -> Vec<NoteView> {
    notes
        .into_iter()
        .map(|n| NoteView {
            anchored: practice::locate_quote(answer_text(answers, n.round_number), &n.quote, None)
                .is_some(),
            round: n.round_number,
            quote: n.quote,
            body: n.body,
        })
        .collect()
}

impl From<db::live::ControlRow> for LogLine {
    fn from(c: db::live::ControlRow) -> Self {
        Self {
            who: c.actor,
            action: c.action,
            detail: c.detail,
            at: clock::format_time(c.at),
        }
    }
}
