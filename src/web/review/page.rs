//! The review page: the aligned rounds with the rubric beside each, the other reviewers' work
//! once the reader's own review is final, and the replay of how each answer was written.

use std::sync::Arc;

use askama::Template;
use axum::{
    body::{Body, Bytes},
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    cache::RoundKey,
    load::{self, PageData},
    pinned_of, round_form,
};
use crate::{
    clock,
    content_store::Pinned,
    db::{
        self,
        reviews::{AttemptReviews, Comment, PageStamp, Review},
        users::User,
    },
    grading::{Recommendation, Rubric, rubric::RoundGrade, visibility::Reader},
    pieces::Pieces,
    practice::Part,
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::SessionAccount,
        layout::Chrome,
        review::cache::Rendered,
        round_view::{self, CommentInput, RoundView},
    },
};

/// One round of the review page: its name and two pieces placed by reference (the template's
/// slots), each shared while its inputs are equal.
pub struct ReviewRound<'a> {
    pub number: u32,
    pub name: &'a str,
    pub skill: Option<&'a str>,
    /// `components/round_body.html` rendered (answer, hints, guidance).
    pub block: Bytes,
    /// The round's grading part ([`round_form`]).
    pub form: Bytes,
}

/// Another reviewer's final review, shown once mine is submitted.
pub struct OtherReview {
    pub reviewer: String,
    pub recommendation: Option<&'static str>,
    pub summary: String,
}

/// The review page: the site chrome around a rendered body (reused while unchanged), which
/// goes into the response by reference (the template's slot).
#[derive(Template)]
#[template(path = "pages/review/review.html")]
pub(super) struct ReviewPage {
    chrome: Chrome,
    rendered: Arc<Rendered>,
}

impl IntoResponse for ReviewPage {
    fn into_response(self) -> Response {
        let page = self.render().map_err(|e| e.to_string()).and_then(|chrome| {
            Pieces::fill(chrome, vec![self.rendered.body.clone()]).map_err(|e| e.to_string())
        });
        match page {
            Ok(page) => (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                Body::new(page.into_body()),
            )
                .into_response(),
            Err(e) => AppError::Internal(format!("review page: {e}")).into_response(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/review/review_body.html")]
struct ReviewBody<'a> {
    /// Only the CSRF token is used here (the forms carry it); the page renders the rest.
    chrome: &'a Chrome,
    attempt_id: i64,
    title: String,
    candidate: String,
    finished: String,
    claimed: bool,
    submitted: Option<String>,
    /// A submitted review opened with "Edit submitted review": the fields are live and nothing
    /// is saved until "Save changes".
    editing: bool,
    /// A submitted review shown read-only (not in edit mode).
    locked: bool,
    rounds: Vec<ReviewRound<'a>>,
    recommendation: String,
    summary: String,
    others: Vec<OtherReview>,
    recommendations: [Recommendation; 4],
    error: Option<String>,
}

/// One round's block: the part of the page shared with the debrief.
#[derive(Template)]
#[template(source = r#"{% include "components/round_body.html" %}"#, ext = "html")]
struct RoundBlock<'a> {
    r: BlockRound<'a>,
    candidate_view: bool,
    comment_base: &'a str,
    chrome: &'a Chrome,
}

struct BlockRound<'a> {
    v: &'a RoundView,
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// Present (`?edit=1`): open a submitted review in edit mode.
    edit: Option<String>,
}

/// `GET /reviews/{id}` (`?edit=1`: edit mode for a submitted review). One statement reads the
/// reader's account row, the page stamp and the reviews (`db::reviews::page_read`), served
/// again from memory while nothing has been committed since (`AppState::review_reads`); the
/// account is checked before anything else ([`SessionAccount::check`]).
pub async fn page(
    account: SessionAccount,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let reader = account.user_id();
    // a connection only when the read is not kept
    let read = async {
        let mut conn = state.db.get().await?;
        let read = db::reviews::page_read(&mut *conn, id, reader).await?;
        Ok::<_, sqlx::Error>(read.map(Arc::new))
    };
    let Some(read) = state.review_reads.get_or_read((id, reader), read).await? else {
        // no account row: the check reads it again and ends the session
        account.verify(&state).await?;
        return Err(AppError::NotFound);
    };
    let me = account.check(&state, Some(read.reader.clone())).await?;
    let chrome = account.chrome(&me).await?;
    let view = View {
        draft: None,
        error: None,
        editing: q.edit.is_some(),
    };
    let Some((stamp, reviews)) = &read.page else {
        return Err(AppError::NotFound);
    };
    let page = page_at(&state, chrome, &me, id, (stamp, reviews), view).await?;
    Ok(page.into_response())
}

/// How the review page is shown: a rejected rubric to show again, an error, edit mode.
pub(super) struct View {
    pub draft: Option<Rubric>,
    pub error: Option<String>,
    pub editing: bool,
}

impl View {
    /// Whether this view shows the page as anyone would see it again (no rejected draft, no
    /// error, no edit mode) on a session with a form token: only such a body is kept.
    fn is_plain(&self, chrome: &Chrome) -> bool {
        self.draft.is_none() && self.error.is_none() && !self.editing && !chrome.csrf.is_empty()
    }
}

/// The review page built afresh from the database, after a grading route's write: a rejected
/// draft or an error to show, or the page as it is now.
pub(super) async fn render_page(
    state: &AppState,
    chrome: Chrome,
    me: &User,
    id: i64,
    view: View,
) -> Result<ReviewPage> {
    let data = load::load(&mut *state.db.get().await?, id, me.id).await?;
    let pinned = pinned_of(state, data.attempt()).await?;
    let rendered = Arc::new(render_body(state, &pinned, &data, &chrome, me, view)?);
    Ok(ReviewPage { chrome, rendered })
}

/// The review page at `stamp`, which `reviews` were read with. A plain view is the body kept
/// for that stamp, or one rendered now and kept; edit mode is rendered from the same read and
/// not kept.
async fn page_at(
    state: &AppState,
    chrome: Chrome,
    me: &User,
    id: i64,
    (stamp, reviews): (&PageStamp, &AttemptReviews),
    view: View,
) -> Result<ReviewPage> {
    let key = view
        .is_plain(&chrome)
        .then(|| (id, me.id, chrome.csrf.clone()));
    if let Some(rendered) = key
        .as_ref()
        .and_then(|key| state.review_pages.pages.get(key, stamp))
    {
        return Ok(ReviewPage { chrome, rendered });
    }
    // the answers are read again only when the request or a name changed, not after a grade;
    // a connection is taken only for what is not in memory
    let part = stamp.submitted_part();
    let submitted = match state.review_pages.submitted.get(&id, &part) {
        Some(kept) => kept,
        None => {
            let read = Arc::new(load::submitted(&mut *state.db.get().await?, id).await?);
            state.review_pages.submitted.put(id, part, read.clone());
            read
        }
    };
    let reader = Reader::Interviewer(me.id);
    let data = load::page_data(submitted, reviews.clone(), reader, stamp.blind_review());
    let pinned = pinned_of(state, data.attempt()).await?;
    let rendered = Arc::new(render_body(state, &pinned, &data, &chrome, me, view)?);
    if let Some(key) = key {
        state
            .review_pages
            .pages
            .put(key, stamp.clone(), rendered.clone());
    }
    Ok(ReviewPage { chrome, rendered })
}

/// Renders the body of the review page from its data.
fn render_body(
    state: &AppState,
    pinned: &Pinned,
    data: &PageData,
    chrome: &Chrome,
    me: &User,
    view: View,
) -> Result<Rendered> {
    let reader = Reader::Interviewer(me.id);
    let (mine, others): (Vec<_>, Vec<_>) = data
        .visible(reader)
        .into_iter()
        .partition(|(r, _)| reader.wrote(r.state()));
    let mine = mine.first().copied();
    let my_rubric = view.draft.or_else(|| mine.map(|(_, rb)| rb.clone()));
    let mine_final = mine.is_some_and(|(r, _)| r.submitted_at.is_some());
    let editing = view.editing && mine_final;
    let ctx = Ctx {
        state,
        pinned,
        data,
        chrome,
        me,
    };
    let form = round_form::FormContext {
        pinned,
        attempt_id: data.attempt().id,
        csrf: &chrome.csrf,
        claimed: mine.is_some(),
        locked: mine_final && !editing,
        editing,
        others: &others,
        kept: &data.submitted.kept,
    };
    let rounds = (0..pinned.gauntlet.rounds.len())
        .map(|i| review_round(&ctx, &form, i, my_rubric.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let (recommendation, summary) = overall_fields(my_rubric);
    let body = ReviewBody {
        chrome,
        attempt_id: data.attempt().id,
        title: pinned.gauntlet.title.clone(),
        candidate: candidate_label(data),
        finished: finished_label(data),
        claimed: mine.is_some(),
        submitted: mine
            .and_then(|(r, _)| r.submitted_at)
            .map(clock::format_datetime),
        editing,
        locked: mine_final && !editing,
        rounds,
        recommendation,
        summary,
        others: other_reviews(&others),
        recommendations: Recommendation::ALL,
        error: view.error,
    };
    rendered(body)
}

/// The overall form's recommendation and summary as the reader's rubric fills them.
fn overall_fields(rubric: Option<Rubric>) -> (String, String) {
    let Some(rubric) = rubric else {
        return Default::default();
    };
    let recommendation = rubric
        .recommendation
        .map(|r| r.as_str().to_string())
        .unwrap_or_default();
    (recommendation, rubric.summary)
}

/// The body rendered, its round blocks and grading parts kept by reference.
fn rendered(body: ReviewBody) -> Result<Rendered> {
    let text = body
        .render()
        .map_err(|e| AppError::Internal(format!("review page: {e}")))?;
    let blocks = body
        .rounds
        .iter()
        .flat_map(|r| [r.block.clone().into(), r.form.clone().into()])
        .collect();
    Ok(Rendered {
        body: Pieces::fill_compact(text, blocks)
            .map_err(|e| AppError::Internal(format!("review page: {e}")))?,
        title: body.title,
    })
}

/// When the attempt was finished, as the page shows it.
fn finished_label(data: &PageData) -> String {
    data.attempt()
        .finished_at
        .map(clock::format_datetime)
        .unwrap_or_default()
}

/// The candidate as the page names them: a number when reviews are blind.
fn candidate_label(data: &PageData) -> String {
    if data.blind {
        format!("Candidate #{}", data.attempt().id)
    } else {
        data.submitted.candidate.clone()
    }
}

/// The other final reviews, summed up under the reader's own once it is final.
fn other_reviews(others: &[&(Review, Rubric)]) -> Vec<OtherReview> {
    others
        .iter()
        .filter(|(r, _)| r.submitted_at.is_some())
        .map(|(r, _)| OtherReview {
            reviewer: r.reviewer_name.clone(),
            recommendation: r.recommendation().map(|x| x.label()),
            summary: r.summary.clone(),
        })
        .collect()
}

/// What every round of one rendering is built from.
struct Ctx<'a> {
    state: &'a AppState,
    pinned: &'a Pinned,
    data: &'a PageData,
    chrome: &'a Chrome,
    me: &'a User,
}

/// Round `index` of the review page: its block and its grading part, each from the cache when
/// its inputs were rendered before.
fn review_round<'a>(
    ctx: &Ctx<'a>,
    form: &round_form::FormContext<'_>,
    index: usize,
    my_rubric: Option<&Rubric>,
) -> Result<ReviewRound<'a>> {
    let g = &ctx.pinned.gauntlet;
    let round = &g.rounds[index];
    let n = round.number;
    let empty = RoundGrade::empty(n);
    let grade = my_rubric.and_then(|rb| rb.round(n)).unwrap_or(&empty);
    let main = answer(ctx.data, n, Part::Main);
    Ok(ReviewRound {
        number: n,
        name: &round.name,
        skill: g.skill_for(n),
        block: round_block(ctx, index)?,
        form: round_form::render(&ctx.state.review_pages, form, index, main, grade)?,
    })
}

fn answer(data: &PageData, round: u32, part: Part) -> Option<&db::attempts::Answer> {
    data.submitted
        .answers
        .iter()
        .find(|a| a.round_number == i64::from(round) && a.part == part)
}

/// The rendered block of round `index`, built and rendered only when no block with the same
/// inputs was rendered before (the hints of an answer do not change with the rubric).
fn round_block(ctx: &Ctx<'_>, index: usize) -> Result<Bytes> {
    let Ctx {
        state,
        pinned,
        data,
        chrome,
        me,
    } = *ctx;
    let n = pinned.gauntlet.rounds[index].number;
    let body = answer(data, n, Part::Main).map_or("", |a| a.body.as_str());
    let follow_up = answer(data, n, Part::FollowUp).map(|a| a.body.as_str());
    let comments: Vec<(&Comment, &str, bool)> = data
        .comments
        .iter()
        .filter(|c| c.round_number == i64::from(n))
        .filter_map(|c| {
            let (r, _) = data.reviews.iter().find(|(r, _)| r.id == c.review_id)?;
            Some((c, r.reviewer_name.as_str(), r.reviewer_id == me.id))
        })
        .collect();
    let comment_base = format!("/reviews/{}", data.attempt().id);
    let key = round_key(pinned, index, (body, follow_up), &comments)
        .text(&chrome.csrf)
        .text(&comment_base);
    state.review_pages.round(key, || {
        let inputs = comments
            .iter()
            .filter_map(|(c, author, mine)| CommentInput::from_stored(c, author, *mine))
            .collect();
        let v = round_view::build(
            pinned,
            index,
            body,
            follow_up,
            &pinned.align(index, body),
            inputs,
        );
        RoundBlock {
            r: BlockRound { v: &v },
            candidate_view: false,
            comment_base: &comment_base,
            chrome,
        }
        .render()
        .map_err(|e| AppError::Internal(format!("review page round: {e}")))
    })
}

/// The round block's key: the pinned version, the round, its answers and visible comments.
fn round_key(
    pinned: &Pinned,
    index: usize,
    (body, follow_up): (&str, Option<&str>),
    comments: &[(&Comment, &str, bool)],
) -> RoundKey {
    let mut key = RoundKey::default()
        .text(&pinned.gauntlet.slug)
        .text(&pinned.gauntlet.version)
        .number(index as i64)
        .text(body)
        .number(i64::from(follow_up.is_some()))
        .text(follow_up.unwrap_or(""));
    for (c, author, mine) in comments {
        key = key
            .number(c.id)
            .number(c.span_start)
            .number(c.span_end)
            .text(&c.quote)
            .text(&c.body)
            .text(author)
            .number(i64::from(*mine));
    }
    key
}
