//! Static assets embedded in the binary, under content-hashed names (served by `ops`). Only the
//! files listed here exist; anything else under /static is a 404.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

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

/// The body and content type of the asset served under `hashed` (exact names only).
pub fn find(hashed: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS
        .iter()
        .find(|a| a.hashed == hashed)
        .map(|a| (a.body, a.content_type))
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
