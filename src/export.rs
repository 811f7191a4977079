//! The grading export: one row per attempt × round × reviewer, as CSV or JSON. Used by the
//! `gauntlet export` command and the admin download.

pub use crate::db::reviews::ExportRow as Row;

/// The columns, in order (also the JSON field names).
pub const COLUMNS: [&str; 17] = [
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
];

/// CSV with a header line; fields quoted when needed (RFC 4180), and cells that a spreadsheet
/// would run as a formula prefixed with `'`.
pub fn to_csv(rows: &[Row]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for r in rows {
        let opt = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        let cells = [
            r.attempt_id.to_string(),
            cell(&r.candidate_email),
            cell(&r.gauntlet),
            cell(&r.gauntlet_version),
            cell(&r.mode),
            r.started_at.to_string(),
            opt(r.finished_at),
            r.round_number.to_string(),
            cell(&r.reviewer_email),
            cell(&r.review_status),
            opt(r.level),
            r.fell_into_trap.to_string(),
            cell(&r.weak_answers),
            r.comment_count.to_string(),
            r.claimed_at.to_string(),
            opt(r.submitted_at),
            opt(r.self_level),
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

/// JSON: an array of objects with the `COLUMNS` fields. An error is returned, never an empty
/// array in place of the rows.
pub fn to_json(rows: &[Row]) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(to_csv(&[]).trim_end(), COLUMNS.join(","));
    }
}
