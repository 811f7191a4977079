//! `GET /account/export.json`: everything the candidate wrote, as a download (times in ISO 8601
//! UTC, described in docs/export.md). The document is streamed a few rows at a time (a large
//! account never sits in memory whole), one export per account at a time. An error after the
//! first byte ends the connection without the end of the document, so a client never mistakes
//! a cut-short export for a whole one.
//!
//! Queries: the attempts and every self-assessment up front, then pages of answers across all
//! attempts and pages of kept texts for answers that have any — one per page of rows, never one
//! per attempt or per answer.

use std::collections::{HashMap, VecDeque};

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
};
use crate::{
    clock,
    db::{
        self,
        attempts::{AnswerCursor, Attempt, ExportAnswer, UserSelfLevel},
    },
    state::{AppState, ExportSlot},
};

/// Revisions read (and sent) at a time: at most a few MB in memory per export.
const REVISIONS_PER_CHUNK: i64 = 8;

/// Answers read at a time (each is sent as its own piece).
const ANSWERS_PER_PAGE: i64 = 8;

/// `GET /account/export.json`
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
    let (attempts, selfs) = {
        let mut conn = state.db.get().await?;
        let attempts = db::attempts::for_user(&mut *conn, user.id).await?;
        let selfs = db::attempts::self_levels_for_export(&mut *conn, user.id).await?;
        (attempts, selfs)
    };
    let mut self_levels: HashMap<i64, Vec<UserSelfLevel>> = HashMap::new();
    for s in selfs {
        self_levels.entry(s.attempt_id).or_default().push(s);
    }
    let head = json!({
        "exported_at": clock::iso8601(clock::now()),
        "user": {"email": user.email, "display_name": user.display_name, "role": user.role.as_str()},
    });
    let doc = ExportDoc {
        state: state.clone(),
        user: user.id,
        head: Some(head),
        attempts: attempts.into_iter(),
        self_levels,
        wrote_attempt: false,
        attempt: None,
        answers: Answers::default(),
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

/// The user's answers in the export's order, read a page at a time.
#[derive(Default)]
struct Answers {
    buffer: VecDeque<ExportAnswer>,
    /// Where the next page starts (`None` before the first page).
    cursor: Option<AnswerCursor>,
    exhausted: bool,
}

impl Answers {
    /// The next answer of `attempt`, if it has one more (answers of attempts that sort before
    /// it, e.g. started during the export, are skipped).
    async fn next_of(
        &mut self,
        state: &AppState,
        user: i64,
        attempt: &Attempt,
    ) -> Result<Option<ExportAnswer>> {
        loop {
            if self.buffer.is_empty() && !self.exhausted {
                let after = self.cursor.clone().unwrap_or_else(AnswerCursor::start);
                let page = db::attempts::answers_page(
                    &mut *state.db.get().await?,
                    user,
                    &after,
                    ANSWERS_PER_PAGE,
                )
                .await?;
                self.exhausted = (page.len() as i64) < ANSWERS_PER_PAGE;
                if let Some(last) = page.last() {
                    self.cursor = Some(AnswerCursor {
                        started_at: last.started_at,
                        attempt_id: last.attempt_id,
                        round_number: last.answer.round_number,
                        part: last.answer.part.as_str().to_string(),
                    });
                }
                self.buffer.extend(page);
            }
            let Some(front) = self.buffer.front() else {
                return Ok(None);
            };
            if front.attempt_id == attempt.id {
                return Ok(self.buffer.pop_front());
            }
            // newest first: an answer of an attempt that started later belongs before this one
            if (front.started_at, front.attempt_id) > (attempt.started_at, attempt.id) {
                self.buffer.pop_front();
                continue;
            }
            return Ok(None);
        }
    }
}

/// The personal export being written: where it has got to.
struct ExportDoc {
    state: AppState,
    user: i64,
    /// The export's first fields, until written.
    head: Option<serde_json::Value>,
    attempts: std::vec::IntoIter<Attempt>,
    /// Self-assessed rounds by attempt (read up front; a few short rows per attempt).
    self_levels: HashMap<i64, Vec<UserSelfLevel>>,
    wrote_attempt: bool,
    /// The attempt whose answers are being written, and whether one was written yet.
    attempt: Option<(Attempt, bool)>,
    answers: Answers,
    /// The answer whose revisions are being written: its id, the last revision written, how
    /// many were written and how many it has.
    revisions_of: Option<(i64, i64, i64, i64)>,
    /// The drill cards still to write, once the attempts are written.
    cards: Option<std::iter::Peekable<std::vec::IntoIter<db::drills::Card>>>,
    finished: bool,
    /// This account's export slot, freed when the download ends or is dropped.
    _slot: ExportSlot,
}

impl ExportDoc {
    /// The next piece of the document; `None` after its end.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        let mut out = Vec::new();
        if let Some(head) = self.head.take() {
            open_object(&mut out, &head, "attempts")?;
            return Ok(Some(out.into()));
        }
        if let Some(revisions) = self.revisions_of {
            self.write_revisions(&mut out, revisions).await?;
            return Ok(Some(out.into()));
        }
        if let Some((attempt, wrote_answer)) = self.attempt.take() {
            self.write_answer_or_close(&mut out, attempt, wrote_answer)
                .await?;
            return Ok(Some(out.into()));
        }
        if let Some(a) = self.attempts.next() {
            self.open_attempt(&mut out, a)?;
            return Ok(Some(out.into()));
        }
        self.write_cards(&mut out).await
    }

    /// A page of the current answer's kept texts, or the end of its list.
    async fn write_revisions(
        &mut self,
        out: &mut Vec<u8>,
        (answer_id, after, written, total): (i64, i64, i64, i64),
    ) -> Result<()> {
        let page = if written < total {
            db::attempts::revisions_after(
                &mut *self.state.db.get().await?,
                answer_id,
                after,
                REVISIONS_PER_CHUNK,
            )
            .await?
        } else {
            Vec::new()
        };
        let Some(last) = page.last().map(|r| r.id) else {
            self.revisions_of = None;
            out.extend_from_slice(b"]}");
            return Ok(());
        };
        let n = page.len() as i64;
        for (i, r) in page.into_iter().enumerate() {
            if written > 0 || i > 0 {
                out.push(b',');
            }
            let rev = json!({"version": r.version, "body": r.body, "kind": r.kind, "saved_at": clock::iso8601(r.saved_at)});
            serde_json::to_writer(&mut *out, &rev).map_err(internal)?;
        }
        self.revisions_of = Some((answer_id, last, written + n, total));
        Ok(())
    }

    /// The attempt's next answer (its revisions follow), or the attempt's end.
    async fn write_answer_or_close(
        &mut self,
        out: &mut Vec<u8>,
        attempt: Attempt,
        wrote_answer: bool,
    ) -> Result<()> {
        if let Some(next) = self
            .answers
            .next_of(&self.state, self.user, &attempt)
            .await?
        {
            if wrote_answer {
                out.push(b',');
            }
            let ans = &next.answer;
            let answer = json!({
                "round": ans.round_number,
                "part": ans.part.as_str(),
                "body": ans.body,
                "version": ans.version,
                "first_viewed_at": clock::iso8601(ans.first_viewed_at),
                "updated_at": clock::iso8601(ans.updated_at),
                "submitted_at": ans.submitted_at.map(clock::iso8601),
            });
            open_object(out, &answer, "revisions")?;
            self.revisions_of = Some((ans.id, 0, 0, next.revisions));
            self.attempt = Some((attempt, true));
            return Ok(());
        }
        let selfs: Vec<_> = self
            .self_levels
            .remove(&attempt.id)
            .unwrap_or_default()
            .into_iter()
            .map(|s| json!({"round": s.round_number, "level": s.level, "note": s.note}))
            .collect();
        out.extend_from_slice(b"],\"self_assessment\":");
        serde_json::to_writer(&mut *out, &selfs).map_err(internal)?;
        out.push(b'}');
        Ok(())
    }

    fn open_attempt(&mut self, out: &mut Vec<u8>, a: Attempt) -> Result<()> {
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
        open_object(out, &attempt, "answers")?;
        self.attempt = Some((a, false));
        Ok(())
    }

    /// The drill cards after the attempts, one card and its log a piece, then the end.
    async fn write_cards(&mut self, out: &mut Vec<u8>) -> Result<Option<Bytes>> {
        if self.finished {
            return Ok(None);
        }
        let Some(cards) = &mut self.cards else {
            let all = db::drills::for_user(&mut *self.state.db.get().await?, self.user).await?;
            self.cards = Some(all.into_iter().peekable());
            out.extend_from_slice(b"],\"drill_cards\":[");
            return Ok(Some(std::mem::take(out).into()));
        };
        if let Some(card) = cards.next() {
            let reviews =
                db::drills::reviews_of_card(&mut *self.state.db.get().await?, card.id, self.user)
                    .await?;
            let doc = super::drills::export_card(&card, &reviews);
            serde_json::to_writer(&mut *out, &doc).map_err(internal)?;
            if cards.peek().is_some() {
                out.push(b',');
            }
            return Ok(Some(std::mem::take(out).into()));
        }
        self.finished = true;
        out.extend_from_slice(b"]}\n");
        Ok(Some(std::mem::take(out).into()))
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
