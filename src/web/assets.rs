//! Static assets embedded in the binary, served under content-hashed names with long cache
//! lifetimes. Only the files listed here exist; anything else under /static is a 404.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

use super::error::AppError;

struct Asset {
    /// Logical name, e.g. `app.css`.
    name: &'static str,
    /// Served name, e.g. `app.3f2a9c1d.css`.
    hashed: String,
    body: &'static [u8],
    content_type: &'static str,
}

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    [
        (
            "app.css",
            include_bytes!("../../static/app.css").as_slice(),
            "text/css; charset=utf-8",
        ),
        (
            "app.js",
            include_bytes!("../../static/app.js").as_slice(),
            "text/javascript; charset=utf-8",
        ),
        (
            "favicon.svg",
            include_bytes!("../../static/favicon.svg").as_slice(),
            "image/svg+xml",
        ),
    ]
    .into_iter()
    .map(|(name, body, content_type)| Asset {
        name,
        hashed: hashed_name(name, body),
        body,
        content_type,
    })
    .collect()
});

fn hashed_name(name: &str, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let short: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{short}.{ext}"),
        None => format!("{name}.{short}"),
    }
}

/// The URL of an asset by its logical name (`/static/app.1a2b3c4d5e.css`).
pub fn url(name: &str) -> String {
    ASSETS.iter().find(|a| a.name == name).map_or_else(
        || format!("/static/{name}"),
        |a| format!("/static/{}", a.hashed),
    )
}

/// `GET /static/{file}`: only exact hashed names are served.
pub async fn serve(Path(file): Path<String>) -> Result<Response, AppError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.hashed == file)
        .ok_or(AppError::NotFound)?;
    let mut resp = asset.body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_a_content_hash() {
        let u = url("app.css");
        assert!(u.starts_with("/static/app.") && u.ends_with(".css") && u.len() > 20);
    }
}
