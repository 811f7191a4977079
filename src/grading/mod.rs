//! Grading rules without HTTP or SQL: the interviewer's rubric (levels, flags, comments,
//! recommendation), how it is read from a form and validated, what changed between two
//! versions of it, calibration statistics, and who may read which reviews.

pub mod calibration;
pub mod changes;
pub mod rubric;
pub mod visibility;

pub use rubric::{Recommendation, RoundGrade, Rubric, RubricShape};
