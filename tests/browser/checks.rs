//! Page checks the area modules share: axe-core violations, sideways overflow with the
//! elements that cause it, and both widths (1280 and 390 px) of a page with screenshots.

use crate::browser::Browser;
use crate::js;

/// Runs axe-core on the current page; returns its serious and critical violations.
pub(crate) async fn axe_violations(b: &Browser) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/npm/node_modules/axe-core/axe.min.js"
    );
    let source = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!("{path} is missing: run the tests through scripts/test, which installs axe-core")
    });
    b.client.execute(&source, vec![]).await.unwrap();
    let found = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Whether the element is entirely inside the window.
pub(crate) async fn in_view(b: &Browser, css: &str) -> bool {
    js(
        b,
        &format!(
            "const r = document.querySelector({css:?}).getBoundingClientRect();
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;"
        ),
    )
    .await
    .as_bool()
    .unwrap()
}

/// Page width against the window's (nothing may scroll sideways), and the outermost elements
/// that stick out, to say what to fix.
pub(crate) async fn page_overflow(b: &Browser) -> (i64, i64, String) {
    let v = b
        .client
        .execute(
            "const w = window.innerWidth; \
             const clipped = e => { for (let p = e.parentElement; p && p !== document.body; \
               p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } \
               return false; }; \
             const out = [...document.querySelectorAll('body *')].filter(e => \
               e.getBoundingClientRect().right > w + 1 && !clipped(e)); \
             return [document.documentElement.scrollWidth, w, \
               out.slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_i64().unwrap(),
        v[1].as_i64().unwrap(),
        v[2].as_str().unwrap_or_default().to_string(),
    )
}

/// Checks the current page at 1280 and 390 px wide: no sideways scrolling, and (with
/// JavaScript) no serious axe-core violation; problems go to `report`. Saves a screenshot of
/// each width when screenshots are asked for (see [`Browser::shot`]).
pub(crate) async fn check_page_widths(
    b: &Browser,
    name: &str,
    javascript: bool,
    report: &mut Vec<String>,
) {
    for (w, h) in [(1280, 900), (390, 844)] {
        b.client.set_window_size(w, h).await.unwrap();
        let (scroll, inner, culprits) = page_overflow(b).await;
        if scroll > inner {
            report.push(format!(
                "{name} at {w}px: {scroll}px wide in a {inner}px window ({culprits})"
            ));
        }
        if javascript && w == 1280 {
            for v in axe_violations(b).await {
                report.push(format!("{name}: {v}"));
            }
        }
        let js = if javascript { "js" } else { "nojs" };
        b.shot(&format!("{name}-{w}-{js}")).await;
    }
    b.client.set_window_size(1280, 900).await.unwrap();
}
