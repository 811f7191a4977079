//! Grading rules without HTTP or SQL: the interviewer's rubric (levels, flags, comments,
//! recommendation), how it is read from a form and validated, and calibration statistics.

pub mod calibration;
pub mod rubric;

pub use rubric::{Recommendation, RoundGrade, Rubric, RubricShape};
