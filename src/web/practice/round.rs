//! The round page: the current step with its timer, the progress strip and the finished rounds
//! above it, and the live session's bar.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    http::Method,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use super::{Loaded, REFUSED_SUBMIT, RefusedSubmit, load_own};
use crate::{
    clock,
    content::{Gauntlet, Round},
    db,
    practice::{Mode, Part, Step, StepState, steps},
    state::AppState,
    web::{
        error::Result,
        extract::SessionAccount,
        layout::Chrome,
        live,
        round_view::{GuidanceBlock, guidance_blocks},
    },
};

/// A finished round shown as context above the current one.
pub struct ContextRound {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub answer: String,
    pub follow_up: Option<(String, String)>,
    /// Rendered guidance, when the mode allows it already (study mode).
    pub guidance: Vec<GuidanceBlock>,
}

/// The progress strip: one entry per round.
pub struct Progress {
    pub number: u32,
    pub name: String,
    /// "done", "current" or "todo".
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/practice/round.html")]
struct RoundPage {
    chrome: Chrome,
    attempt_id: i64,
    title: String,
    mode: Mode,
    progress: Vec<Progress>,
    context: Vec<ContextRound>,
    round_number: u32,
    round_count: usize,
    round_name: String,
    prompt: String,
    /// The follow-up question, when this step is the follow-up.
    follow_up: Option<String>,
    /// When this step is the follow-up: the round's own answer, shown above it.
    own_answer: Option<String>,
    body: String,
    version: i64,
    part: &'static str,
    round_started: i64,
    attempt_started: i64,
    round_budget_secs: i64,
    total_budget_secs: i64,
    saved_at: Option<String>,
    error: Option<String>,
    /// In a live interview: who runs it and the last nudge (the page subscribes to events).
    live: Option<LiveBar>,
    /// What submitting leads to, for the hint under the form.
    next_hint: &'static str,
}

impl RoundPage {
    fn live_view(&self) -> String {
        format!("{}-{}", self.round_number, self.part)
    }

    fn save_url(&self) -> String {
        format!(
            "/attempts/{}/steps/{}/{}/save",
            self.attempt_id, self.round_number, self.part
        )
    }

    fn submit_url(&self) -> String {
        format!(
            "/attempts/{}/steps/{}/{}/submit",
            self.attempt_id, self.round_number, self.part
        )
    }

    fn started_label(&self) -> String {
        clock::format_datetime(self.round_started)
    }

    fn budget_minutes(&self) -> i64 {
        self.round_budget_secs / 60
    }
}

fn budgets(g: &Gauntlet) -> (i64, i64) {
    let total = i64::from(g.duration_minutes().unwrap_or(20)) * 60;
    let rounds = i64::try_from(g.rounds.len().max(1)).unwrap_or(1);
    (total / rounds, total)
}

fn progress(g: &Gauntlet, states: &[StepState], current: Option<Step>) -> Vec<Progress> {
    g.rounds
        .iter()
        .map(|r| Progress {
            number: r.number,
            name: r.name.clone(),
            state: if current.is_some_and(|c| c.round == r.number) {
                "current"
            } else if steps::round_done(g, states, r.number) {
                "done"
            } else {
                "todo"
            },
        })
        .collect()
}

fn context_rounds(l: &Loaded, current: Step) -> Vec<ContextRound> {
    let g = l.gauntlet();
    let states = l.states();
    g.rounds
        .iter()
        .enumerate()
        .filter(|(_, r)| r.number != current.round && steps::round_done(g, &states, r.number))
        .map(|(i, r)| ContextRound {
            number: r.number,
            name: r.name.clone(),
            prompt: r.prompt.clone(),
            answer: l
                .answer(r.number, Part::Main)
                .map(|a| a.body.clone())
                .unwrap_or_default(),
            follow_up: r.follow_up.clone().map(|q| {
                let a = l
                    .answer(r.number, Part::FollowUp)
                    .map(|a| a.body.clone())
                    .unwrap_or_default();
                (q, a)
            }),
            guidance: if steps::guidance_visible(g, l.mode(), &states, r.number) {
                guidance_blocks(&l.pinned, i)
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// `GET /attempts/{id}`: the current step, or the debrief once every step is submitted.
///
/// The first GET of a step starts its timer (the answer row records when it was first viewed)
/// and a GET after the last step marks the attempt finished. A HEAD request (axum answers HEAD
/// with the GET handler) writes neither: it sees the same page, with the timer shown from now.
///
/// The account is checked with the row the attempt's query brings (see [`load_own`]).
pub async fn show(
    account: SessionAccount,
    session: Session,
    method: Method,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let writes = method == Method::GET;
    let (user, mut l) = load_own(&state, id, &account).await?;
    let chrome = account.chrome(&user).await?;
    let Some(step) = l.current() else {
        if writes && l.attempt.finished_at.is_none() {
            let mut tx = db::begin_write(&state.writer).await?;
            db::attempts::finish(&mut tx, id).await?;
            tx.commit().await?;
        }
        return Ok(Redirect::to(&l.finished_url()).into_response());
    };
    let live_row = match l.live_session {
        Some(_) => live::running_for_attempt(&mut *state.db.get().await?, id).await?,
        None => None,
    };
    if let Some(row) = &live_row
        && let live::Gate::Wait(page) =
            live::gate(&state, &chrome, row, l.gauntlet(), &l.answers, step, writes).await?
    {
        return Ok(page.into_response());
    }
    if writes && l.answer(step.round, step.part).is_none() {
        let mut tx = db::begin_write(&state.writer).await?;
        let a = db::attempts::ensure_answer(&mut tx, id, i64::from(step.round), step.part.as_str())
            .await?;
        tx.commit().await?;
        l.answers.push(a);
    }
    // a refused submit is shown once, by a GET (a HEAD leaves it for the page it precedes)
    let refused = session.get::<RefusedSubmit>(REFUSED_SUBMIT).await?;
    if refused.is_some() && writes {
        session.remove::<RefusedSubmit>(REFUSED_SUBMIT).await?;
    }
    let (body, error) = match refused {
        Some((a, round, part, body, why))
            if a == id && round == step.round && part == step.part.as_str() =>
        {
            (Some(body), Some(why))
        }
        _ => (None, None),
    };
    let mut page = round_page(chrome, &l, step, body, error);
    page.live = live_row.map(|row| LiveBar {
        interviewer: row.interviewer_name,
        nudge: row.nudge,
    });
    Ok(page.into_response())
}

/// The live session's part of the round page.
pub struct LiveBar {
    pub interviewer: String,
    pub nudge: String,
}

fn round_page(
    chrome: Chrome,
    l: &Loaded,
    step: Step,
    body: Option<String>,
    error: Option<String>,
) -> RoundPage {
    let g = l.gauntlet();
    let round: &Round = g
        .rounds
        .iter()
        .find(|r| r.number == step.round)
        .expect("current step names a round of the gauntlet");
    let answer = l.answer(step.round, step.part);
    let (round_budget_secs, total_budget_secs) = budgets(g);
    let states = l.states();
    RoundPage {
        chrome,
        attempt_id: l.attempt.id,
        title: g.title.clone(),
        mode: l.mode(),
        progress: progress(g, &states, Some(step))
            .into_iter()
            .filter(|p| l.only_round().is_none_or(|r| r == p.number))
            .collect(),
        context: context_rounds(l, step),
        round_number: round.number,
        round_count: g.rounds.len(),
        round_name: round.name.clone(),
        prompt: round.prompt.clone(),
        follow_up: (step.part == Part::FollowUp)
            .then(|| round.follow_up.clone())
            .flatten(),
        own_answer: (step.part == Part::FollowUp)
            .then(|| l.answer(step.round, Part::Main).map(|a| a.body.clone()))
            .flatten(),
        body: body.unwrap_or_else(|| answer.map(|a| a.body.clone()).unwrap_or_default()),
        version: answer.map_or(0, |a| a.version),
        part: step.part.as_str(),
        round_started: l
            .answer(step.round, Part::Main)
            .map_or(clock::now(), |a| a.first_viewed_at),
        attempt_started: l.attempt.started_at,
        round_budget_secs,
        total_budget_secs,
        saved_at: answer
            .filter(|a| a.version > 0)
            .map(|a| clock::format_time(a.updated_at)),
        error,
        live: None,
        next_hint: if step.part == Part::Main && round.follow_up.is_some() {
            "the interviewer's follow-up question appears after you submit"
        } else if g.rounds.last().is_some_and(|r| r.number == round.number) {
            "this is the last round: your debrief follows"
        } else {
            "the next round appears after you submit"
        },
    }
}
