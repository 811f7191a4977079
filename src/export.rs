//! The grading export: one row per attempt × round × reviewer, as CSV or JSON. Used by the
//! `gauntlet export` command and the admin download. Times are ISO 8601 in UTC; JSON values are
//! typed (numbers, booleans, arrays, `null` for "none"); every column is described in docs/export.md.

use serde::Serialize;

use crate::{clock, db::reviews::ExportRow, grading::rubric::parse_weak_list};

/// The columns, in order (also the JSON field names).
pub const COLUMNS: [&str; 20] = [
    "attempt_id",
    "candidate_email",
    "gauntlet",
    "gauntlet_version",
    "mode",
    "started_at",
    "finished_at",
    "round",
    "reviewer_email",
    "review_status",
    "level",
    "fell_into_trap",
    "weak_answers",
    "comment_count",
    "claimed_at",
    "submitted_at",
    "self_level",
    "recommendation",
    "summary",
    "round_comment",
];

/// One exported row with typed values, in `COLUMNS` order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub attempt_id: i64,
    pub candidate_email: String,
    pub gauntlet: String,
    pub gauntlet_version: String,
    pub mode: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub round: i64,
    pub reviewer_email: String,
    pub review_status: String,
    pub level: Option<i64>,
    pub fell_into_trap: bool,
    pub weak_answers: Vec<u32>,
    pub comment_count: i64,
    pub claimed_at: String,
    pub submitted_at: Option<String>,
    pub self_level: Option<i64>,
    pub recommendation: Option<String>,
    pub summary: String,
    pub round_comment: String,
}

impl From<&ExportRow> for Row {
    fn from(r: &ExportRow) -> Self {
        Self {
            attempt_id: r.attempt_id,
            candidate_email: r.candidate_email.clone(),
            gauntlet: r.gauntlet.clone(),
            gauntlet_version: r.gauntlet_version.clone(),
            mode: r.mode.clone(),
            started_at: clock::iso8601(r.started_at),
            finished_at: r.finished_at.map(clock::iso8601),
            round: r.round_number,
            reviewer_email: r.reviewer_email.clone(),
            review_status: r.review_status.clone(),
            level: r.level,
            fell_into_trap: r.fell_into_trap,
            weak_answers: parse_weak_list(&r.weak_answers),
            comment_count: r.comment_count,
            claimed_at: clock::iso8601(r.claimed_at),
            submitted_at: r.submitted_at.map(clock::iso8601),
            self_level: r.self_level,
            recommendation: r.recommendation.clone(),
            summary: r.summary.clone(),
            round_comment: r.round_comment.clone(),
        }
    }
}

/// CSV with a header line; fields quoted when needed (RFC 4180), and cells that a spreadsheet
/// would run as a formula prefixed with `'`. Empty cells mean "none"; weak answers are listed as
/// `1;3`.
pub fn to_csv(rows: &[ExportRow]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in rows.iter().map(Row::from) {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let weak = r
            .weak_answers
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(";");
        let cells = [
            r.attempt_id.to_string(),
            cell(&r.candidate_email),
            cell(&r.gauntlet),
            cell(&r.gauntlet_version),
            cell(&r.mode),
            r.started_at,
            r.finished_at.unwrap_or_default(),
            r.round.to_string(),
            cell(&r.reviewer_email),
            cell(&r.review_status),
            opt(r.level),
            r.fell_into_trap.to_string(),
            weak,
            r.comment_count.to_string(),
            r.claimed_at,
            r.submitted_at.unwrap_or_default(),
            opt(r.self_level),
            cell(r.recommendation.as_deref().unwrap_or_default()),
            cell(&r.summary),
            cell(&r.round_comment),
        ];
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// JSON: an array of objects with the `COLUMNS` fields, typed. An error is returned, never an
/// empty array in place of the rows.
pub fn to_json(rows: &[ExportRow]) -> Result<String, serde_json::Error> {
    let rows: Vec<Row> = rows.iter().map(Row::from).collect();
    serde_json::to_string_pretty(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> ExportRow {
        ExportRow {
            attempt_id: 7,
            candidate_email: "c@x.example".into(),
            gauntlet: "g".into(),
            gauntlet_version: "v".into(),
            mode: "interview".into(),
            started_at: 0,
            finished_at: None,
            round_number: 2,
            reviewer_email: "r@x.example".into(),
            review_status: "final".into(),
            level: Some(3),
            fell_into_trap: true,
            weak_answers: "1,3".into(),
            comment_count: 0,
            claimed_at: 60,
            submitted_at: Some(120),
            self_level: None,
            recommendation: Some("ready".into()),
            summary: "Solid, \"clear\"".into(),
            round_comment: "-check the failover".into(),
        }
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(to_csv(&[]).trim_end(), COLUMNS.join(","));
    }

    #[test]
    fn rows_are_typed_with_iso_times() {
        let csv = to_csv(&[row()]);
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line,
            "7,c@x.example,g,v,interview,1970-01-01T00:00:00Z,,2,r@x.example,final,3,true,1;3,0,1970-01-01T00:01:00Z,1970-01-01T00:02:00Z,,ready,\"Solid, \"\"clear\"\"\",'-check the failover",
            "the round's comment last, defused like every text cell"
        );
        let json: serde_json::Value = serde_json::from_str(&to_json(&[row()]).unwrap()).unwrap();
        let keys: Vec<&str> = json[0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = COLUMNS.to_vec();
        let mut got = keys.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "the JSON fields are the columns");
        assert_eq!(json[0]["weak_answers"], serde_json::json!([1, 3]));
        assert_eq!(json[0]["finished_at"], serde_json::Value::Null);
        assert_eq!(json[0]["submitted_at"], "1970-01-01T00:02:00Z");
        assert_eq!(json[0]["level"], 3);
        assert_eq!(json[0]["round_comment"], "-check the failover");
    }
}
