//! Markdown → safe HTML for showing guidance, prompts and answers.
//!
//! pulldown-cmark renders the Markdown; ammonia then sanitises the HTML against an allowlist:
//! only formatting tags, only `http`, `https` and same-site paths as link targets,
//! `rel="noopener noreferrer nofollow"` on every link, and images only from same-site paths
//! (others are replaced by their alt text before rendering, and their `src` is dropped again by
//! the sanitiser). A URL is judged as a browser reads it (tabs and newlines removed, backslashes
//! as slashes) and percent-decoded, so `//host`, `/\host`, `\\host` and `/%5Chost` are
//! protocol-relative and dropped.

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
const SCHEMES: &[&str] = &["http", "https"];

/// Render Markdown to sanitised HTML.
pub fn markdown_to_html(md: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = drop_remote_images(Parser::new_ext(md, options));
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    html::push_html(&mut raw, events.into_iter());
    sanitizer().clean(&raw).to_string()
}

/// Where a URL in rendered content may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UrlKind {
    /// A path on this site: no scheme and no host (`img/d.png`, `/x`, `#a`, `?q`, `../x`).
    SameOrigin,
    /// An absolute `http:` or `https:` URL.
    Web,
    /// Anything else: other schemes, and protocol-relative forms however they are spelled
    /// (`//host`, `/\host`, `\\host`, `/%5Chost`, with tabs or newlines inside).
    Refused,
}

/// `url` as a browser's URL parser reads it: leading and trailing C0 controls and spaces
/// trimmed, every tab and newline removed, and backslashes taken as slashes (as browsers do for
/// http and https URLs, and so for paths relative to this site).
fn as_browser_reads(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect()
}

/// `%XX` sequences decoded (invalid UTF-8 replaced), so an encoded slash or backslash that a
/// later decoding step (a proxy, a redirect) would reveal is judged as well.
fn percent_decoded(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The scheme of a normalised URL, lowercased, if it has one.
fn scheme(url: &str) -> Option<String> {
    let end = url.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))?;
    (end > 0 && url[end..].starts_with(':')).then(|| url[..end].to_ascii_lowercase())
}

/// Where `url` leads, judged on what a browser makes of it and on its percent-decoded form.
fn url_kind(url: &str) -> UrlKind {
    let read = as_browser_reads(url);
    let decoded = as_browser_reads(&percent_decoded(&read));
    if read.starts_with("//") || decoded.starts_with("//") {
        return UrlKind::Refused;
    }
    match (scheme(&read), scheme(&decoded)) {
        (None, None) => UrlKind::SameOrigin,
        (Some(s), _) if s == "http" || s == "https" => UrlKind::Web,
        _ => UrlKind::Refused,
    }
}

/// Whether a link (`href`, `cite`) to `url` may stay: same-site paths and http(s) only.
fn link_allowed(url: &str) -> bool {
    url_kind(url) != UrlKind::Refused
}

/// Whether an image from `url` may stay: same-site paths only (no tracking pixels).
fn image_allowed(url: &str) -> bool {
    url_kind(url) == UrlKind::SameOrigin
}

/// Replace images whose URL is not a same-site path by their alt text.
fn drop_remote_images<'a>(parser: Parser<'a>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut dropping = 0usize;
    for event in parser {
        match event {
            Event::Start(Tag::Image { ref dest_url, .. })
                if dropping > 0 || !image_allowed(dest_url) =>
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
                let allowed = match attribute {
                    "src" if element == "img" => image_allowed(value),
                    "src" | "srcset" | "action" | "formaction" | "poster" | "background" => false,
                    "href" | "cite" | "longdesc" | "xlink:href" => link_allowed(value),
                    _ => true,
                };
                allowed.then_some(Cow::Borrowed(value))
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
                // text a browser shows and never follows: an image's title may read
                // "javascript:" as harmlessly as the paragraph around it
                if matches!(name.as_str(), "title" | "alt") {
                    continue;
                }
                for scheme in ["javascript:", "data:", "vbscript:"] {
                    assert!(
                        !value.trim_start().starts_with(scheme),
                        "{scheme} in {name} of {html}"
                    );
                }
                if matches!(name.as_str(), "href" | "src" | "cite") {
                    let v = where_it_leads(&value);
                    assert!(
                        !v.starts_with("//"),
                        "protocol-relative {name}={value:?} in {html}"
                    );
                    // a scheme: a letter, then letters, digits, '+', '-' or '.', then ':'
                    let scheme = v.split_once(':').map(|(s, _)| s.to_string()).filter(|s| {
                        s.starts_with(|c: char| c.is_ascii_alphabetic())
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    });
                    match scheme.as_deref() {
                        None => {}
                        Some("http" | "https") if name != "src" => {}
                        Some(other) => panic!("{other}: in {name}={value:?} of {html}"),
                    }
                    if tag == "img" {
                        assert!(scheme.is_none(), "remote image {value:?} in {html}");
                    }
                }
            }
        }
    }

    /// What a browser (or a decoding proxy) could make of an attribute value, written without
    /// the code under test: entities decoded, tabs and newlines removed, C0 and spaces trimmed,
    /// backslashes as slashes, percent-escapes decoded (twice), lowercased.
    fn where_it_leads(value: &str) -> String {
        let mut v = value
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
        for _ in 0..2 {
            v = v
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect::<String>()
                .trim_matches(|c: char| c <= ' ')
                .replace('\\', "/");
            let bytes = v.as_bytes();
            let mut out = Vec::new();
            let mut i = 0;
            while i < bytes.len() {
                let pair = v
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match (bytes[i], pair) {
                    (b'%', Some(b)) => {
                        out.push(b);
                        i += 3;
                    }
                    (b, _) => {
                        out.push(b);
                        i += 1;
                    }
                }
            }
            v = String::from_utf8_lossy(&out).to_lowercase();
        }
        v
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

    /// Protocol-relative links and images in every spelling the issue and the URL standard
    /// give, in Markdown and in raw HTML.
    const PROTOCOL_RELATIVE: &[&str] = &[
        "//evil.example/x",
        "/\\evil.example/x",
        "\\\\evil.example/x",
        "\\/evil.example/x",
        "/%5Cevil.example/x",
        "/%5cevil.example/x",
        "%2F%2Fevil.example/x",
        "/%2Fevil.example/x",
        "/\t/evil.example/x",
        "/\n/evil.example/x",
        "/\r\n/evil.example/x",
        " //evil.example/x",
        "\u{1}//evil.example/x",
        "/%09/evil.example/x",
        "/&#92;evil.example/x",
        "/&#x5C;evil.example/x",
        "&#47;&#47;evil.example/x",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "javascript%3Aalert(1)",
    ];

    #[test]
    fn t64_protocol_relative_and_backslash_urls_are_dropped_from_links_and_images() {
        for url in PROTOCOL_RELATIVE {
            let markdown = [
                format!("[x]({url})"),
                format!("[x](<{url}>)"),
                format!("![x]({url})"),
                format!("![x](<{url}>)"),
                format!("[x][r]\n\n[r]: <{url}>"),
            ];
            let raw = [
                format!("<a href=\"{url}\">x</a>"),
                format!("<img src=\"{url}\">"),
                format!("<blockquote cite=\"{url}\">q</blockquote>"),
            ];
            // Markdown's own escapes can turn a spelling into a harmless path: the invariants
            for input in &markdown {
                assert_safe(&markdown_to_html(input));
            }
            // raw HTML keeps the spelling: the attribute is gone
            for input in &raw {
                let html = markdown_to_html(input);
                assert_safe(&html);
                for attr in ["href=", "src=", "cite="] {
                    assert!(!html.contains(attr), "{input:?} → {html}");
                }
            }
        }
        // a tab inside `http` is still http: a link may stay, an image may not
        let html = markdown_to_html(
            "<a href=\"ht\ttp://example.com/\">x</a><img src=\"ht\ttp://example.com/p.png\">",
        );
        assert_safe(&html);
        assert!(!html.contains("src="), "{html}");
        // what stays: same-site paths and http(s) links; mailto goes like every other scheme
        let html = markdown_to_html(
            "[a](/attempts/1) [b](img/d.png) [c](#top) [d](?q=1) [e](../x) [f](https://example.com/p) [g](mailto:a@example.com) ![h](/static/d.png) ![i](img/d.png)",
        );
        for kept in [
            "href=\"/attempts/1\"",
            "href=\"img/d.png\"",
            "href=\"#top\"",
            "href=\"?q=1\"",
            "href=\"../x\"",
            "href=\"https://example.com/p\"",
            "src=\"/static/d.png\"",
            "src=\"img/d.png\"",
        ] {
            assert!(html.contains(kept), "{kept} missing in {html}");
        }
        assert!(!html.contains("mailto"), "{html}");
    }

    #[test]
    fn t64_url_kinds_follow_what_a_browser_reads() {
        use UrlKind::*;
        for (url, kind) in [
            ("/x", SameOrigin),
            ("x/y.png", SameOrigin),
            ("#a", SameOrigin),
            ("HTTPS://example.com", Web),
            ("http://example.com", Web),
            ("mailto:a@example.com", Refused),
            ("//evil.example", Refused),
            ("/\\evil.example", Refused),
            ("\\\\evil.example", Refused),
            ("/%5Cevil.example", Refused),
            ("/%2fevil.example", Refused),
            ("/\t/evil.example", Refused),
            ("java\tscript:x", Refused),
            ("javascript%3Ax", Refused),
            ("data:text/html,x", Refused),
            ("ftp://example.com", Refused),
        ] {
            assert_eq!(url_kind(url), kind, "{url:?}");
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
        fn t64_random_url_spellings_never_leave_the_site_through_a_protocol_relative_url(
            parts in proptest::collection::vec(prop_oneof![
                Just("/"), Just("\\"), Just("%5C"), Just("%5c"), Just("%2F"), Just("%2f"),
                Just("\t"), Just("\n"), Just("\r"), Just(" "), Just("&#92;"), Just("&#47;"),
                Just("&#x09;"), Just("evil.example"), Just("http:"), Just("https:"), Just(":"),
                Just("java"), Just("script"), Just("%3A"), Just("%25"), Just("."), Just("x"),
            ], 0..10),
            form in 0..6usize,
        ) {
            let url = parts.concat();
            let input = match form {
                0 => format!("[x]({url})"),
                1 => format!("![x]({url})"),
                2 => format!("[x](<{url}>)"),
                3 => format!("<a href=\"{url}\">x</a>"),
                4 => format!("<img src=\"{url}\">"),
                _ => format!("[x][r]\n\n[r]: <{url}>"),
            };
            assert_safe(&markdown_to_html(&input));
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
