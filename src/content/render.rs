//! Markdown → safe HTML for showing guidance, prompts and answers.
//!
//! pulldown-cmark renders the Markdown; ammonia then sanitises the HTML against an allowlist:
//! only formatting tags, only `http`, `https`, `mailto` and relative URLs, `rel="noopener
//! noreferrer nofollow"` on every link, and images only from relative URLs (others are replaced
//! by their alt text before rendering, and their `src` is dropped again by the sanitiser).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Tags allowed in rendered content.
const TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
];

/// URL schemes allowed in links (relative URLs are allowed too).
const SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Render Markdown to sanitised HTML.
pub fn markdown_to_html(md: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = drop_remote_images(Parser::new_ext(md, options));
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    sanitizer().clean(&raw).to_string()
}

/// Whether `url` is relative (no scheme, not protocol-relative).
fn is_relative(url: &str) -> bool {
    let url = url.trim();
    if url.starts_with("//") || url.starts_with("\\\\") {
        return false;
    }
    let scheme_end =
        url.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')));
    !matches!(scheme_end.map(|i| &url[i..i + 1]), Some(":"))
}

/// Replace images whose URL is not relative by their alt text.
fn drop_remote_images<'a>(parser: Parser<'a>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut dropping = 0usize;
    for event in parser {
        match event {
            Event::Start(Tag::Image { ref dest_url, .. })
                if dropping > 0 || !is_relative(dest_url) =>
            {
                dropping += 1;
            }
            Event::Start(Tag::Image { .. }) if dropping > 0 => dropping += 1,
            Event::End(TagEnd::Image) if dropping > 0 => dropping -= 1,
            other => out.push(other),
        }
    }
    out
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.tags(TAGS.iter().copied().collect::<HashSet<_>>())
            .url_schemes(SCHEMES.iter().copied().collect::<HashSet<_>>())
            .url_relative(ammonia::UrlRelative::PassThrough)
            .link_rel(Some("noopener noreferrer nofollow"))
            .attribute_filter(|element, attribute, value| {
                if element == "img" && attribute == "src" && !is_relative(value) {
                    None
                } else {
                    Some(Cow::Borrowed(value))
                }
            });
        b
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every `<tag ...>` in sanitised output with its lowercase attributes (name, value).
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(open) = rest.find('<') {
            let Some(close) = rest[open..].find('>') else {
                break;
            };
            let inner = &rest[open + 1..open + close];
            rest = &rest[open + close + 1..];
            if inner.starts_with('/') {
                continue;
            }
            let (name, attrs) = inner.split_once(' ').unwrap_or((inner, ""));
            out.push((name.to_lowercase(), parse_attrs(attrs)));
        }
        out
    }

    fn parse_attrs(mut s: &str) -> Vec<(String, String)> {
        let mut attrs = Vec::new();
        loop {
            s = s.trim_start();
            let Some(eq) = s.find('=') else { break };
            let name = s[..eq].trim().to_lowercase();
            let after = &s[eq + 1..];
            let Some(body) = after.strip_prefix('"') else {
                break;
            };
            let end = body.find('"').unwrap_or(body.len());
            attrs.push((name, body[..end].to_lowercase()));
            s = body.get(end + 1..).unwrap_or("");
        }
        attrs
    }

    /// The security invariants every rendering must satisfy.
    fn assert_safe(html: &str) {
        let lower = html.to_lowercase();
        for bad in ["<script", "<iframe", "<object", "<embed", "<style", "<form"] {
            assert!(!lower.contains(bad), "{bad} in {html}");
        }
        for (tag, attrs) in tags(html) {
            for (name, value) in attrs {
                assert!(!name.starts_with("on"), "event handler {name} in {html}");
                for scheme in ["javascript:", "data:", "vbscript:"] {
                    assert!(
                        !value.trim_start().starts_with(scheme),
                        "{scheme} in {name} of {html}"
                    );
                }
                if name == "href" || name == "src" {
                    let v = value.trim();
                    let ok = is_relative(v)
                        || ["http:", "https:"].iter().any(|s| v.starts_with(s))
                        || (name == "href" && v.starts_with("mailto:"));
                    assert!(ok, "unsafe url {v} in {html}");
                    if tag == "img" {
                        assert!(is_relative(v), "remote image {v} in {html}");
                    }
                }
            }
        }
    }

    #[test]
    fn t32_xss_corpus_is_neutralised() {
        let corpus = [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x](&#x6A;avascript:alert(1))",
            "<javascript:alert(1)>",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<object data=\"x\"></object><embed src=\"x\">",
            "<style>body{}</style><form action=\"/x\"><input></form>",
            "<p onclick=\"alert(1)\">hi</p>",
            "[x](data:text/html;base64,PHNjcmlwdD4=)",
            "![x](https://tracker.example/pixel.png)",
            "![x](//tracker.example/pixel.png)",
            // from the CommonMark XSS corpus (md-xss-gist)
            "[a](javascript:prompt(document.cookie))",
            "[a](j    a   v   a   s   c   r   i   p   t:prompt(document.cookie))",
            "![a](javascript:prompt(document.cookie))\\",
            "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K)",
            "[a](&#106&#97&#118&#97&#115&#99&#114&#105&#112&#116&#58&#97&#108&#101&#114&#116&#40&#39&#88&#83&#83&#39&#41)",
            "![a'\"`onerror=prompt(document.cookie)](x)",
            "[citelol]: (javascript:prompt(document.cookie))",
            "[notmalicious](javascript:window.onerror=alert;throw%20document.cookie)",
            "[test](javascript://%0d%0aprompt(1))",
            "[test](javascript://%0d%0aprompt(1);com)",
            "[notmalicious](javascript://%0d%0awindow.onerror=alert;throw%20document.cookie)",
            "[a](&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29)",
            "[XSS](.alert(1);)",
            "[ ](https://a.de?p=[[/data-x=. style=background-color:#000000;z-index:999;width:100%;position:fixed;top:0;left:0;right:0;bottom:0; data-y=.]])",
            "[ ](http://a?p=[[/onclick=alert(0) .]])",
            "[a](javascript:this;alert(1))",
            "[a](javascript:this;alert(1&#41;)",
            "[a](javascript&#58this;alert(1&#41;)",
            "[a](Javas&#99;ript:alert(1&#41;)",
            "[a](Javas%26%2399;ript:alert(1&#41;)",
            "[a](javascript:alert&#65534;(1&#41;)",
            "[a](javascript:confirm(1)",
            "[clickme](vbscript:alert(document.domain))",
            "_http://danlec_@.1 style=background-image:url(data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABACAIAAADUrzZu);background-repeat:no-repeat;display:block;width:100%;height:100px; onclick=alert(unescape(/Oh%20No!/.source));return(false);//",
            "<http://<meta http-equiv=\"refresh\" content=\"0; url=http://danlec.com/\">>",
            "[text](http://danlec.com \" [@danlec](/danlec) \")",
            "[a](javascript:alert('XSS'))",
            "![a](\"onerror=\"alert('XSS'))",
            "</http://<?php\\><\\h1\\><script:script>confirm(2)",
            "[XSS](javascript:prompt(document.cookie))",
            "[XSS](j    a   v   a   s   c   r   i   p   t:prompt(document.cookie))",
            "[XSS](data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K)",
            "![XSS](javascript:prompt(document.cookie))\\",
            "<svg><a xlink:href=\"javascript:alert(1)\"><rect width=\"100\" height=\"100\"/></a></svg>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<details open ontoggle=alert(1)>",
            "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041\">x</a>",
        ];
        for md in corpus {
            let html = markdown_to_html(md);
            assert_safe(&html);
        }
    }

    #[test]
    fn links_get_rel_and_relative_images_stay() {
        let html = markdown_to_html("[docs](https://example.com) ![d](img/diagram.png)");
        assert!(html.contains("href=\"https://example.com\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
        assert!(html.contains("src=\"img/diagram.png\""));
    }

    #[test]
    fn remote_images_become_alt_text() {
        let html = markdown_to_html("![a diagram](https://example.com/d.png)");
        assert!(!html.contains("<img"));
        assert!(html.contains("a diagram"));
    }

    #[test]
    fn formatting_survives() {
        let html = markdown_to_html("**bold** `code`\n\n- item\n\n| a | b |\n|---|---|\n| 1 | 2 |");
        for needle in [
            "<strong>bold</strong>",
            "<code>code</code>",
            "<li>item</li>",
            "<td>1</td>",
        ] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
    }

    proptest! {
        #[test]
        fn t32_random_input_renders_safely(s in "\\PC{0,200}") {
            assert_safe(&markdown_to_html(&s));
        }

        #[test]
        fn t32_random_html_soup_renders_safely(
            parts in proptest::collection::vec(prop_oneof![
                Just("<a href=\"javascript:x\">"), Just("<img src=x onerror=y>"), Just("<script>"),
                Just("[l]("), Just("javascript:"), Just("data:"), Just(")"), Just("![i]("),
                Just("<"), Just(">"), Just("\""), Just(" onload="), Just("&#x6A;"), Just("\n"),
                Just("<svg"), Just("<iframe "), Just("http://x"), Just("`"),
            ], 0..24)
        ) {
            assert_safe(&markdown_to_html(&parts.concat()));
        }
    }
}
