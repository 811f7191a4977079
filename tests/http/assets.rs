//! Fast checks of the files under `static/` that need no server: every stylesheet's blocks are
//! closed where they should be (a lost `}` once put every later rule inside a media query), and
//! the script parses.

use crate::common::source_files;

/// The problems of a stylesheet's block structure, as `line N: …`: a `}` with nothing open, a
/// block still open at the end, and a style rule opened inside another style rule (the stylesheet
/// nests rules only in at-rules such as `@media`, so a rule inside a rule means the `}` before it
/// was lost). Comments and quoted strings are skipped.
fn css_block_problems(css: &str) -> Vec<String> {
    let mut problems = Vec::new();
    // for each open block: whether it is an at-rule (`@media …`), and the line it opened on
    let mut open: Vec<(bool, usize)> = Vec::new();
    let mut prelude = String::new();
    let mut line = 1;
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                line += 1;
                prelude.push(' ');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                    }
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            '"' | '\'' => {
                let mut escaped = false;
                for q in chars.by_ref() {
                    if q == '\n' {
                        line += 1;
                    }
                    if !escaped && q == c {
                        break;
                    }
                    escaped = !escaped && q == '\\';
                }
                prelude.push('s');
            }
            '{' => {
                let at_rule = prelude.trim_start().starts_with('@');
                if !at_rule && open.last().is_some_and(|(at, _)| !at) {
                    problems.push(format!(
                        "line {line}: a rule inside the rule opened on line {} (a lost `}}`?)",
                        open.last().unwrap().1
                    ));
                }
                open.push((at_rule, line));
                prelude.clear();
            }
            '}' => {
                if open.pop().is_none() {
                    problems.push(format!("line {line}: `}}` closes nothing"));
                }
                prelude.clear();
            }
            ';' => prelude.clear(),
            c => prelude.push(c),
        }
    }
    for (_, opened) in open {
        problems.push(format!(
            "line {opened}: a block opened here is never closed"
        ));
    }
    problems
}

#[test]
fn the_block_check_finds_a_lost_brace_and_passes_good_css() {
    let good = "/* { */ a { content: \"}\"; }\n@media (max-width: 1px) { a { b: c; } p { q: r; } }";
    assert_eq!(css_block_problems(good), Vec::<String>::new());
    // the `}` of `.a` lost: `.b` lands inside it, and the media query never closes
    let lost = "@media (max-width: 1px) {\n  .a { color: red;\n  .b { color: blue; }\n}\n";
    let found = css_block_problems(lost);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("line 3: a rule inside the rule opened on line 2"));
    assert!(found[1].starts_with("line 1: a block opened here is never closed"));
    assert_eq!(
        css_block_problems("a { }\n}"),
        ["line 2: `}` closes nothing"]
    );
}

#[test]
fn every_stylesheet_closes_its_blocks_and_the_script_parses() {
    let sheets = source_files(&["static"], "css");
    assert!(!sheets.is_empty(), "static/ has stylesheets");
    for (rel, css) in sheets {
        let problems = css_block_problems(&css);
        assert!(problems.is_empty(), "{rel}: {problems:#?}");
    }
    // the script's syntax, with node when this machine has it (no other JavaScript parser here)
    let scripts = source_files(&["static"], "js");
    assert!(!scripts.is_empty(), "static/ has a script");
    for (rel, _) in scripts {
        match std::process::Command::new("node")
            .arg("--check")
            .arg(rel.as_str())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
        {
            Ok(out) => assert!(
                out.status.success(),
                "{rel} does not parse:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) => eprintln!("node is not available ({e}); {rel} not parsed"),
        }
    }
}
