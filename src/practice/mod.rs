//! Practice rules without HTTP or SQL: the order of steps in an attempt (each round's answer,
//! then its trap follow-up when it has one), what a candidate may see when, what makes an
//! answer text acceptable, how two versions of an answer differ word by word, and how a replay
//! of its writing is laid out.

pub mod answer;
pub mod diff;
pub mod replay;
pub mod steps;

pub use answer::{
    AnswerProblem, MAX_CHARS, check_answer, has_refused_control, is_refused_control, locate_quote,
    submit_refusal,
};
pub use steps::{Mode, Part, Step, StepState, current_step, steps};
