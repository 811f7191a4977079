//! `StrictForm`: a urlencoded form extractor that refuses invalid UTF-8 instead of silently
//! replacing it, normalises CRLF to LF, and answers 415/400/413/422 with clear messages.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::header,
};
use serde::{Deserialize, de::DeserializeOwned};

use super::error::AppError;

/// A decoded form of type `T` (fields are `String` or `Option<String>`).
#[derive(Debug)]
pub struct StrictForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for StrictForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let pairs = decode_pairs(&bytes)?;
        // through a JSON object, so `Option<String>` fields and maps work; a repeated name keeps
        // its last value
        let object: serde_json::Map<String, serde_json::Value> = pairs
            .into_iter()
            .filter(|(k, _)| k != "_csrf")
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
        T::deserialize(serde_json::Value::Object(object))
            .map(StrictForm)
            .map_err(|e| AppError::Unprocessable(format!("The form was incomplete: {e}.")))
    }
}

/// The query of an autosave sent while its page is being left (`?quiet=1`): nobody reads the
/// answer, so it is 204 (or the error) rather than JSON or a redirect to the page.
#[derive(Debug, Default, Deserialize)]
pub struct Leaving {
    quiet: Option<String>,
}

impl Leaving {
    /// Whether the save was sent as the page was left.
    pub fn is_quiet(&self) -> bool {
        self.quiet.is_some()
    }
}

/// Decodes `a=b&c=d` strictly: `+` is a space, `%XX` bytes must form valid UTF-8.
pub fn decode_pairs(body: &[u8]) -> Result<Vec<(String, String)>, AppError> {
    body.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut kv = part.splitn(2, |b| *b == b'=');
            let k = decode_component(kv.next().unwrap_or_default())?;
            let v = decode_component(kv.next().unwrap_or_default())?;
            Ok((k, v))
        })
        .collect()
}

fn decode_component(raw: &[u8]) -> Result<String, AppError> {
    let mut out = Vec::with_capacity(raw.len());
    let mut rest = raw;
    // runs of plain bytes are copied whole; only `+` and `%` are looked at one by one
    while let Some(at) = rest.iter().position(|b| matches!(b, b'+' | b'%')) {
        out.extend_from_slice(&rest[..at]);
        rest = &rest[at..];
        let (byte, step) = match rest {
            [b'+', ..] => (b' ', 1),
            [b'%', h, l, ..] => match (hex(*h), hex(*l)) {
                (Some(h), Some(l)) => (h * 16 + l, 3),
                _ => (b'%', 1),
            },
            _ => (b'%', 1),
        };
        out.push(byte);
        rest = &rest[step..];
    }
    out.extend_from_slice(rest);
    let text = String::from_utf8(out).map_err(|_| {
        AppError::BadRequest("The text is not valid UTF-8, so nothing was saved.".into())
    })?;
    Ok(normalise_newlines(text))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// CRLF and lone CR become LF, so form posts and fetch saves store the same bytes. A text
/// without CR is given back as it is.
pub fn normalise_newlines(s: String) -> String {
    if !s.contains('\r') {
        return s;
    }
    s.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_newlines() {
        let pairs = decode_pairs(b"a=x+y%21&b=l1%0D%0Al2&c=%E2%9C%93").unwrap();
        assert_eq!(pairs[0], ("a".into(), "x y!".into()));
        assert_eq!(pairs[1], ("b".into(), "l1\nl2".into()));
        assert_eq!(pairs[2], ("c".into(), "✓".into()));
    }

    #[test]
    fn rejects_invalid_utf8_instead_of_replacing_it() {
        assert!(decode_pairs(b"body=%FF%FEok").is_err());
    }

    #[derive(serde::Deserialize)]
    struct WithOption {
        name: String,
        flag: Option<String>,
    }

    #[test]
    fn optional_fields_work_present_or_absent() {
        let object = |body: &[u8]| {
            let map: serde_json::Map<String, serde_json::Value> = decode_pairs(body)
                .unwrap()
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect();
            serde_json::from_value::<WithOption>(serde_json::Value::Object(map)).unwrap()
        };
        let a = object(b"name=x&flag=on");
        assert_eq!((a.name.as_str(), a.flag.as_deref()), ("x", Some("on")));
        assert_eq!(object(b"name=y").flag, None);
    }

    #[test]
    fn keeps_stray_percent_signs() {
        assert_eq!(decode_pairs(b"a=100%").unwrap()[0].1, "100%");
        assert_eq!(decode_pairs(b"a=%G1").unwrap()[0].1, "%G1");
        assert_eq!(decode_pairs(b"a=x%4").unwrap()[0].1, "x%4");
        assert_eq!(decode_pairs(b"a=%%41+").unwrap()[0].1, "%A ");
    }
}
