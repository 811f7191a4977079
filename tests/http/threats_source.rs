//! Threat rows checked by reading the source (T33, T41, T50): escaping turned off only in
//! allowlisted places, SQL only as literals, and no fire-and-forget tasks.

use crate::common::source_files;

/// The lines of `templates/` and `src/` that turn escaping off, as `path: trimmed line`.
fn unescaped_spots() -> Vec<String> {
    let mut hits = Vec::new();
    for (rel, content) in source_files(&["templates", "src"], "") {
        for line in content.lines() {
            let squashed: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            if squashed.contains("|safe")
                || squashed.contains("escape=\"none\"")
                || squashed.contains("ext=\"txt\"")
                || squashed.contains("PreEscaped")
                || squashed.contains("escape=\"txt\"")
            {
                hits.push(format!("{rel}: {}", line.trim()));
            }
        }
    }
    hits
}

#[test]
fn t33_escaping_is_turned_off_only_in_allowlisted_places() {
    let allow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/safe-allowlist.txt"
    ))
    .unwrap();
    let allowed: Vec<&str> = allow
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let hits = unescaped_spots();
    // this file names the patterns, so it matches itself; it lives under tests/, not src/
    for hit in &hits {
        assert!(
            allowed.contains(&hit.as_str()),
            "unescaped output outside the allowlist (review it, then add it to tests/fixtures/safe-allowlist.txt):\n{hit}"
        );
    }
    for a in &allowed {
        assert!(hits.iter().any(|h| h == a), "stale allowlist entry: {a}");
    }
    // every template that renders HTML has an .html name (askama picks the escaper by extension)
    let mut templates = Vec::new();
    for (rel, src) in source_files(&["src"], "rs") {
        for line in src.lines().filter(|l| l.contains("#[template(")) {
            templates.push((rel.clone(), line.trim().to_string()));
        }
    }
    assert!(templates.len() >= 10);
    for (file, line) in templates {
        assert!(
            line.contains(".html\""),
            "{file}: a template without an .html name: {line}"
        );
    }
}

#[test]
fn t41_every_sql_string_in_src_is_a_literal() {
    let mut calls = 0;
    // product code only: a test that arranges a database (dropping tables it lists, say) is no
    // way in for a visitor
    for (rel, src) in source_files(&["src"], "rs") {
        let src = without_test_items(&src);
        assert!(
            !src.contains("QueryBuilder"),
            "{}: QueryBuilder builds SQL from strings",
            rel
        );
        for name in [
            "query",
            "query_as",
            "query_scalar",
            "query_with",
            "query_as_with",
            "query_scalar_with",
        ] {
            for (at, _) in src.match_indices(&format!("sqlx::{name}")) {
                let rest = &src[at + "sqlx::".len() + name.len()..];
                // skip turbofish, then the macro bang or the call's open paren
                let rest = if rest.starts_with("::<") {
                    &rest[rest.find('>').unwrap() + 1..]
                } else {
                    rest
                };
                let is_macro = rest.starts_with('!');
                let rest = rest.strip_prefix('!').unwrap_or(rest);
                let Some(mut args) = rest.strip_prefix('(') else {
                    continue;
                };
                if is_macro && name == "query_as" {
                    // `query_as!(Type, "sql", …)`
                    args = &args[args.find(',').unwrap() + 1..];
                }
                let first = args.trim_start();
                assert!(
                    first.starts_with('"') || first.starts_with("r\"") || first.starts_with("r#\""),
                    "{}: SQL that is not a string literal: sqlx::{name}({}",
                    rel,
                    &first[..first.len().min(60)]
                );
                calls += 1;
            }
        }
    }
    assert!(
        calls >= 20,
        "found only {calls} queries; is the scan still looking at src/?"
    );
}

/// Rust source without the items marked `#[cfg(test)]` (a test module, or a test-only method in
/// the middle of an `impl`): each such item ends at its first `;` or at the `}` that closes its
/// first block, counted outside comments, strings and character literals.
fn without_test_items(src: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = src;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        rest = &rest[at + MARK.len()..];
        rest = &rest[item_end(rest)..];
    }
    out.push_str(rest);
    out
}

/// The byte offset just past the item `src` starts with (see [`without_test_items`]).
fn item_end(src: &str) -> usize {
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    let at = |i: usize| chars.get(i).map_or('\0', |c| c.1);
    let (mut i, mut depth) = (0, 0);
    while i < chars.len() {
        match (at(i), at(i + 1)) {
            ('/', '/') => {
                while i < chars.len() && at(i) != '\n' {
                    i += 1;
                }
            }
            ('/', '*') => {
                i += 2;
                while i < chars.len() && !(at(i) == '*' && at(i + 1) == '/') {
                    i += 1;
                }
                i += 1;
            }
            // a raw string: r"…", r#"…"#
            ('r', '"' | '#') if i == 0 || !(at(i - 1).is_alphanumeric() || at(i - 1) == '_') => {
                let hashes = (i + 1..chars.len()).take_while(|&j| at(j) == '#').count();
                let close: String = std::iter::once('"')
                    .chain("#".repeat(hashes).chars())
                    .collect();
                let body = chars.get(i + 2 + hashes).map_or(src.len(), |c| c.0);
                let end = src[body..]
                    .find(&close)
                    .map_or(src.len(), |e| body + e + close.len());
                i = chars.iter().position(|c| c.0 >= end).unwrap_or(chars.len());
                continue;
            }
            ('"', _) => {
                i += 1;
                while i < chars.len() && at(i) != '"' {
                    i += if at(i) == '\\' { 2 } else { 1 };
                }
            }
            // a character literal ('x', '\n'); a lifetime ('a) has no closing quote
            ('\'', '\\') => {
                i += 2;
                while i < chars.len() && at(i) != '\'' {
                    i += 1;
                }
            }
            ('\'', _) if at(i + 2) == '\'' => i += 2,
            ('{', _) => depth += 1,
            ('}', _) => {
                depth -= 1;
                if depth == 0 {
                    return chars.get(i + 1).map_or(src.len(), |c| c.0);
                }
            }
            (';', _) if depth == 0 => return chars.get(i + 1).map_or(src.len(), |c| c.0),
            _ => {}
        }
        i += 1;
    }
    src.len()
}

#[test]
fn t50_no_fire_and_forget_tasks_outside_the_accept_loop() {
    // the scan skips test items only: code after a test-only method is still read
    let sample = "impl A {\n    #[cfg(test)]\n    const Q: &str = r#\"}\"#;\n    #[cfg(test)]\n    fn n(&self) { let _ = ('}', \"}\"); }\n    fn f() { tokio::spawn(x); }\n}\n#[cfg(test)]\nmod tests { fn g() { tokio::spawn(y); } }\n";
    let kept = without_test_items(sample);
    assert!(kept.contains("fn f() { tokio::spawn(x); }"), "{kept}");
    assert!(
        !kept.contains("const Q") && !kept.contains("fn n(") && !kept.contains("spawn(y)"),
        "{kept}"
    );

    // a handler that spawned its write could answer 2xx before the commit; only the server's
    // accept loop and background jobs (src/server.rs) spawn tasks, and the group-commit writer
    // (src/db/drafts.rs), which answers each caller only after the commit holding its draft
    let files = source_files(&["src"], "rs");
    assert!(files.len() >= 20);
    for (rel, src) in files {
        if rel == "src/server.rs" || rel == "src/db/drafts.rs" {
            continue;
        }
        let code = without_test_items(&src);
        for bad in ["tokio::spawn(", "task::spawn(", "spawn_local("] {
            assert!(!code.contains(bad), "{rel} uses {bad}");
        }
    }
}
