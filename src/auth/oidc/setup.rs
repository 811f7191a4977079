//! The `--oidc-*` flags turned into the identity provider's settings: all or nothing, with an
//! error that names the missing flag; the client secret may come from a file.

use std::path::Path;

use crate::config::{DEFAULT_OIDC_NAME, OidcConfig, Secret, mask_url};

/// The `--oidc-*` flags as given.
#[derive(Debug, Default, Clone, Copy)]
pub struct OidcFlags<'a> {
    pub issuer: Option<&'a str>,
    pub client_id: Option<&'a str>,
    pub client_secret: Option<&'a str>,
    pub client_secret_file: Option<&'a Path>,
    pub name: Option<&'a str>,
    pub role_claim: Option<&'a str>,
    pub admin_group: Option<&'a str>,
    pub interviewer_group: Option<&'a str>,
}

/// A flag's value, trimmed; empty is not given.
fn given(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The client secret from `--oidc-client-secret` or the file `--oidc-client-secret-file`.
fn client_secret(f: &OidcFlags<'_>) -> Result<Option<String>, String> {
    match (given(f.client_secret), f.client_secret_file) {
        (Some(_), Some(_)) => {
            Err("give --oidc-client-secret or --oidc-client-secret-file, not both".into())
        }
        (Some(s), None) => Ok(Some(s)),
        (None, Some(path)) => read_secret_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The identity provider the flags set up: none when no `--oidc-*` flag is given, an error
/// naming what is missing when only some are.
pub fn oidc_from_flags(f: OidcFlags<'_>) -> Result<Option<OidcConfig>, String> {
    let secret = client_secret(&f)?;
    let (issuer, client_id) = (given(f.issuer), given(f.client_id));
    let (admin_group, interviewer_group) = (given(f.admin_group), given(f.interviewer_group));
    let role_claim = given(f.role_claim);
    let (Some(issuer), Some(client_id), Some(secret)) = (&issuer, &client_id, &secret) else {
        if issuer.is_none() && client_id.is_none() && secret.is_none() {
            if role_claim.is_some() || admin_group.is_some() || interviewer_group.is_some() {
                return Err("--oidc-role-claim and the group flags need --oidc-issuer, --oidc-client-id and --oidc-client-secret".into());
            }
            return Ok(None);
        }
        let missing: Vec<&str> = [
            (issuer.is_none(), "--oidc-issuer (GAUNTLET_OIDC_ISSUER)"),
            (
                client_id.is_none(),
                "--oidc-client-id (GAUNTLET_OIDC_CLIENT_ID)",
            ),
            (
                secret.is_none(),
                "--oidc-client-secret (GAUNTLET_OIDC_CLIENT_SECRET) or --oidc-client-secret-file",
            ),
        ]
        .into_iter()
        .filter_map(|(gone, flag)| gone.then_some(flag))
        .collect();
        return Err(format!(
            "single sign-on is half set up: also set {}, or unset the other --oidc-* flags",
            missing.join(" and ")
        ));
    };
    let lower = issuer.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || issuer.chars().any(|c| c.is_control() || c == ' ')
    {
        let shown = mask_url(issuer);
        return Err(format!("--oidc-issuer {shown} must be an http(s) URL"));
    }
    if role_claim.is_some() && admin_group.is_none() && interviewer_group.is_none() {
        let needs = "--oidc-role-claim needs --oidc-admin-group or --oidc-interviewer-group";
        return Err(needs.into());
    }
    Ok(Some(OidcConfig {
        issuer: issuer.clone(),
        client_id: client_id.clone(),
        client_secret: Secret(secret.clone()),
        name: given(f.name).unwrap_or_else(|| DEFAULT_OIDC_NAME.into()),
        role_claim,
        admin_group,
        interviewer_group,
    }))
}

/// A secret kept in a file (a container secret): its text without the trailing newline.
fn read_secret_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "--oidc-client-secret-file {}: cannot read it ({e})",
            path.display()
        )
    })?;
    let secret = text.trim_end_matches(['\n', '\r']).to_string();
    if secret.is_empty() {
        return Err(format!(
            "--oidc-client-secret-file {} is empty",
            path.display()
        ));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_an_oidc_set_up_names_what_is_missing() {
        assert!(oidc_from_flags(OidcFlags::default()).unwrap().is_none());
        let half = OidcFlags {
            issuer: Some("https://id.example.com"),
            ..OidcFlags::default()
        };
        let err = oidc_from_flags(half).unwrap_err();
        assert!(err.contains("--oidc-client-id") && err.contains("--oidc-client-secret"));
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("secret");
        std::fs::write(&file, "s3cret\n").unwrap();
        let full = OidcFlags {
            client_id: Some("gauntlet"),
            client_secret_file: Some(&file),
            ..half
        };
        let c = oidc_from_flags(full).unwrap().unwrap();
        assert_eq!(c.client_secret.0, "s3cret");
        assert_eq!(c.name, DEFAULT_OIDC_NAME);
        assert!(!format!("{c:?}").contains("s3cret"));
        let both = OidcFlags {
            client_secret: Some("x"),
            ..full
        };
        assert!(oidc_from_flags(both).is_err());
    }
}
