//! Grading rules without HTTP or SQL: the interviewer's rubric (levels, flags, comments,
//! recommendation), how it is read from a form and validated, what changed between two
//! versions of it, and calibration statistics.

pub mod calibration;
pub mod changes;
pub mod rubric;

pub use rubric::{Recommendation, RoundGrade, Rubric, RubricShape};
