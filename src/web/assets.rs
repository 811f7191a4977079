//! Static assets: the files of `static/`, embedded by rust-embed and served (by `ops`) only under
//! content-hashed names, long-cached, with brotli and gzip variants made once per process and
//! chosen by the request's Accept-Encoding. Anything else under /static is a 404.

use std::{borrow::Cow, io::Write, sync::LazyLock};

use axum::{
    body::Body,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use rust_embed::Embed;

#[derive(Embed)]
#[folder = "static/"]
struct Files;

/// One embedded file and its variants.
struct Asset {
    /// Logical name, e.g. `app.css`.
    name: String,
    /// Served name, e.g. `app.3f2a9c1d7e.css`.
    hashed: String,
    /// Strong validator from the content hash, quoted as HTTP wants it.
    etag: HeaderValue,
    content_type: &'static str,
    identity: Cow<'static, [u8]>,
    /// Empty when the type does not compress or the variant would not be smaller.
    brotli: Vec<u8>,
    gzip: Vec<u8>,
}

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| Files::iter().filter_map(load).collect());

fn load(name: Cow<'static, str>) -> Option<Asset> {
    let file = Files::get(&name)?;
    let hash = hex(&file.metadata.sha256_hash());
    let content_type = content_type(&name);
    let text = content_type.starts_with("text/") || content_type == "image/svg+xml";
    let (brotli, gzip) = if text {
        (
            smaller(brotli_of(&file.data), &file.data),
            smaller(gzip_of(&file.data), &file.data),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Some(Asset {
        hashed: hashed_name(&name, &hash[..10]),
        etag: HeaderValue::from_str(&format!("\"{}\"", &hash[..32])).ok()?,
        name: name.into_owned(),
        content_type,
        identity: file.data,
        brotli,
        gzip,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hashed_name(name: &str, short: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{name}.{short}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn brotli_of(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    {
        // quality 11 (the best), done once per file per process, with a window just big enough
        // for the file: a wider one compresses no better and only costs working memory
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 11, window_bits(data.len()));
        w.write_all(data).ok()?;
        w.flush().ok()?;
    }
    Some(out)
}

/// The brotli window (log2 of its size) that holds `len` bytes: 10 to 22 (4 MiB). A window
/// of 2^n bytes holds 2^n − 16 of them.
fn window_bits(len: usize) -> u32 {
    let needed = usize::BITS - len.saturating_add(15).leading_zeros();
    needed.clamp(10, 22)
}

fn gzip_of(data: &[u8]) -> Option<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(data).ok()?;
    w.finish().ok()
}

/// A variant worth serving: made, and smaller than the plain file.
fn smaller(variant: Option<Vec<u8>>, plain: &[u8]) -> Vec<u8> {
    variant
        .filter(|v| v.len() < plain.len())
        .unwrap_or_default()
}

/// The URL of an asset by its logical name (`/static/app.1a2b3c4d5e.css`).
pub fn url(name: &str) -> String {
    ASSETS.iter().find(|a| a.name == name).map_or_else(
        || format!("/static/{name}"),
        |a| format!("/static/{}", a.hashed),
    )
}

/// Which encoding the client takes: `br` before `gzip`, a `q=0` refuses one.
#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn negotiate(headers: &HeaderMap) -> Encoding {
    let accepted = |wanted: &str| {
        headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|item| {
                let mut parts = item.split(';').map(str::trim);
                let name = parts.next().unwrap_or("");
                let refused = parts.any(|p| {
                    p.strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                name.eq_ignore_ascii_case(wanted) && !refused
            })
    };
    if accepted("br") {
        Encoding::Brotli
    } else if accepted("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// The response for `GET /static/{hashed}`: the variant the client accepts, or 304 when its
/// copy is current; `None` for any name that is not an asset's exact hashed name.
pub fn respond(hashed: &str, headers: &HeaderMap) -> Option<Response> {
    let asset = ASSETS.iter().find(|a| a.hashed == hashed)?;
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .map(|t| t.trim().trim_start_matches("W/"))
                .any(|t| t == "*" || asset.etag == t)
        });
    let (status, body, encoding) = if fresh {
        (StatusCode::NOT_MODIFIED, Body::empty(), None)
    } else {
        match negotiate(headers) {
            Encoding::Brotli if !asset.brotli.is_empty() => {
                (StatusCode::OK, Body::from(&asset.brotli[..]), Some("br"))
            }
            Encoding::Brotli | Encoding::Gzip if !asset.gzip.is_empty() => {
                (StatusCode::OK, Body::from(&asset.gzip[..]), Some("gzip"))
            }
            _ => (StatusCode::OK, Body::from(&asset.identity[..]), None),
        }
    };
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(IMMUTABLE));
    h.insert(header::ETAG, asset.etag.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(enc) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    Some(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_brotli_window_just_holds_the_file() {
        assert_eq!(window_bits(0), 10);
        assert_eq!(window_bits(40_816), 16);
        assert_eq!(window_bits(65_520), 16);
        assert_eq!(window_bits(65_521), 17);
        assert_eq!(window_bits(usize::MAX), 22);
    }

    #[test]
    fn urls_carry_a_content_hash() {
        let u = url("app.css");
        assert!(u.starts_with("/static/app.") && u.ends_with(".css") && u.len() > 20);
    }

    #[test]
    fn brotli_wins_then_gzip_and_a_zero_quality_refuses() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            negotiate(&h)
        };
        assert_eq!(with("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(with("gzip"), Encoding::Gzip);
        assert_eq!(with("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(with("br;q=0, gzip;q=0"), Encoding::Identity);
        assert_eq!(with("identity"), Encoding::Identity);
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
    }
}
