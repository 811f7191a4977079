//! Who may read which reviews of an attempt: the one rule behind the candidate's debrief and
//! the interviewer's review page. A candidate reads final reviews only; an interviewer always
//! reads their own review and, once it is final, every other final review (never a draft).

/// Who is reading an attempt's reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The attempt's owner.
    Candidate,
    /// An interviewer, by user id.
    Interviewer(i64),
}

/// What the rule needs to know of one review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewState {
    pub reviewer_id: i64,
    pub submitted: bool,
}

impl Reader {
    /// Whether this reader wrote the review.
    pub fn wrote(self, review: ReviewState) -> bool {
        self == Reader::Interviewer(review.reviewer_id)
    }

    /// The reviews of one attempt this reader may see, in their order. `state` tells the rule
    /// who wrote a review and whether it is final.
    pub fn visible<T>(self, reviews: &[T], state: impl Fn(&T) -> ReviewState) -> Vec<&T> {
        let own_final = reviews
            .iter()
            .map(&state)
            .any(|r| self.wrote(r) && r.submitted);
        reviews
            .iter()
            .filter(|r| {
                let r = state(r);
                match self {
                    Reader::Candidate => r.submitted,
                    Reader::Interviewer(_) => self.wrote(r) || (own_final && r.submitted),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(reviewer_id: i64, submitted: bool) -> ReviewState {
        ReviewState {
            reviewer_id,
            submitted,
        }
    }

    fn ids(reader: Reader, reviews: &[ReviewState]) -> Vec<i64> {
        reader
            .visible(reviews, |r| *r)
            .into_iter()
            .map(|r| r.reviewer_id)
            .collect()
    }

    #[test]
    fn a_candidate_reads_final_reviews_only() {
        let all = [review(1, true), review(2, false), review(3, true)];
        assert_eq!(ids(Reader::Candidate, &all), vec![1, 3]);
        assert!(ids(Reader::Candidate, &[review(2, false)]).is_empty());
    }

    #[test]
    fn an_interviewer_reads_others_only_after_submitting_their_own() {
        let before = [review(1, true), review(2, false), review(3, false)];
        assert_eq!(
            ids(Reader::Interviewer(2), &before),
            vec![2],
            "a draft sees itself only"
        );
        let after = [review(1, true), review(2, true), review(3, false)];
        assert_eq!(
            ids(Reader::Interviewer(2), &after),
            vec![1, 2],
            "a final review sees other final reviews, never another draft"
        );
    }

    #[test]
    fn an_interviewer_without_a_review_reads_nothing() {
        let all = [review(1, true), review(3, true)];
        assert!(ids(Reader::Interviewer(9), &all).is_empty());
        assert!(Reader::Interviewer(1).wrote(review(1, false)));
        assert!(!Reader::Candidate.wrote(review(1, true)));
    }
}
