//! The `serve` (and `doctor`) flags, and how they become the site's [`Config`]: every value
//! checked here, so a bad flag stops the start with a message naming it.

use std::{net::SocketAddr, path::PathBuf};

use clap::Args;

use super::CliError;
use crate::config::{Cidr, Config, MailConfig, validate_public_url};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GAUNTLET_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Folder of Markdown gauntlets that add to or replace the built-in ones (by slug).
    #[arg(long, env = "GAUNTLET_CONTENT")]
    pub content: Option<PathBuf>,

    /// The URL people use to reach the site, e.g. https://gauntlet.example.com. With https,
    /// cookies are Secure and HSTS is sent. Defaults to http://<bind>.
    #[arg(long, env = "GAUNTLET_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "GAUNTLET_LOGIN_PER_MINUTE", default_value_t = 6)]
    pub login_per_minute: u32,

    /// Sign-in attempts allowed per client address per hour.
    #[arg(long, env = "GAUNTLET_LOGIN_PER_HOUR", default_value_t = 30)]
    pub login_per_hour: u32,

    /// Open connections at most; more are closed at once. Defaults to three quarters of the
    /// open-file limit (after raising it to the hard limit), between 64 and 10,000.
    #[arg(long, env = "GAUNTLET_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Bearer token that lets a scraper that is not on loopback read /metrics
    /// (Authorization: Bearer TOKEN). Without it only direct loopback clients may.
    #[arg(long, env = "GAUNTLET_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Open sign-ups allowed per client address per hour.
    #[arg(long, env = "GAUNTLET_SIGNUPS_PER_HOUR", default_value_t = 10)]
    pub signups_per_hour: u32,

    /// A reverse proxy (address or CIDR range) whose X-Forwarded-For or Forwarded header names
    /// the client. Repeatable; comma-separated in the environment variable. Without it, the
    /// client is the socket's peer and forwarded headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "GAUNTLET_TRUSTED_PROXY",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<Cidr>,
    /// Megabytes one account may store in answers and their kept versions; past it, starting
    /// an attempt and saving are refused with a message saying so.
    #[arg(long, env = "GAUNTLET_MAX_ACCOUNT_STORAGE_MB",
          default_value_t = crate::config::DEFAULT_MAX_ACCOUNT_STORAGE_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_account_storage_mb: u64,

    /// Mail server for notifications: smtp://user:pass@host:587 (STARTTLS, required unless the
    /// host is loopback) or smtps://user:pass@host:465 (TLS). Without it no mail is sent.
    #[arg(long, env = "GAUNTLET_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of notification mail, e.g. "Gauntlet <gauntlet@example.com>" (required with
    /// --smtp-url).
    #[arg(long, env = "GAUNTLET_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// A Slack-compatible incoming webhook told of review requests and submitted reviews.
    #[arg(long, env = "GAUNTLET_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,

    /// Hours a request may wait unclaimed (or a claim unsubmitted) before the daily reminder
    /// digest names it.
    #[arg(long, env = "GAUNTLET_REMINDER_HOURS", default_value_t = 48, value_parser = clap::value_parser!(i64).range(1..=24 * 30))]
    pub reminder_hours: i64,

    /// Sign-in through an OpenID Connect provider: its issuer URL, e.g.
    /// https://id.example.com/realms/team. Needs --oidc-client-id and a client secret.
    #[arg(long, env = "GAUNTLET_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id Gauntlet is registered under at the provider.
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret (or use --oidc-client-secret-file).
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// A file holding the client secret (a trailing newline is ignored).
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,

    /// The provider's name on the sign-in button: "Sign in with <name>".
    #[arg(long, env = "GAUNTLET_OIDC_NAME")]
    pub oidc_name: Option<String>,

    /// The ID token claim listing the person's groups (e.g. groups); with it, the role is
    /// mapped from the groups at every sign-in.
    #[arg(long, env = "GAUNTLET_OIDC_ROLE_CLAIM")]
    pub oidc_role_claim: Option<String>,

    /// Members of this group are admins.
    #[arg(long, env = "GAUNTLET_OIDC_ADMIN_GROUP")]
    pub oidc_admin_group: Option<String>,

    /// Members of this group (and not of the admin group) are interviewers.
    #[arg(long, env = "GAUNTLET_OIDC_INTERVIEWER_GROUP")]
    pub oidc_interviewer_group: Option<String>,

    /// `off` hides and refuses password sign-in (single sign-on only). The command line still
    /// creates password accounts; restart with `on` to let them sign in (the break-glass).
    #[arg(long, env = "GAUNTLET_PASSWORD_LOGIN", default_value = "on", value_parser = ["on", "off"])]
    pub password_login: String,
}

impl ServeArgs {
    /// What `doctor` checks: the settings as given.
    pub(super) fn doctor_setup(&self) -> crate::doctor::Setup<'_> {
        crate::doctor::Setup {
            bind: self.bind,
            public_url: self.public_url.as_deref(),
            content: self.content.as_deref(),
            login_per_minute: self.login_per_minute,
            login_per_hour: self.login_per_hour,
            smtp_url: self.smtp_url.as_deref(),
            mail_from: self.mail_from.as_deref(),
            webhook_url: self.webhook_url.as_deref(),
        }
    }

    /// The `--oidc-*` flags as given.
    fn oidc_flags(&self) -> crate::auth::oidc::setup::OidcFlags<'_> {
        crate::auth::oidc::setup::OidcFlags {
            issuer: self.oidc_issuer.as_deref(),
            client_id: self.oidc_client_id.as_deref(),
            client_secret: self.oidc_client_secret.as_deref(),
            client_secret_file: self.oidc_client_secret_file.as_deref(),
            name: self.oidc_name.as_deref(),
            role_claim: self.oidc_role_claim.as_deref(),
            admin_group: self.oidc_admin_group.as_deref(),
            interviewer_group: self.oidc_interviewer_group.as_deref(),
        }
    }

    /// What `doctor` checks of sign-in.
    pub(super) fn doctor_sign_in(&self) -> crate::doctor::SignIn {
        let public = self
            .public_url
            .as_deref()
            .and_then(|u| validate_public_url(u).ok())
            .unwrap_or_else(|| format!("http://{}", self.bind));
        crate::doctor::SignIn {
            oidc: crate::auth::oidc::setup::oidc_from_flags(self.oidc_flags()),
            password_login: self.password_login == "on",
            public_url: public,
        }
    }

    /// The site's configuration from these flags, or why a flag is unusable. Raise the
    /// open-file limit first: the default connection limit follows it.
    pub(super) fn config(&self) -> Result<Config, CliError> {
        let mut config = Config::new(self.bind);
        if let Some(n) = self.max_connections {
            config.max_connections = n.max(1);
        }
        config.metrics_token = self.metrics_token.clone().filter(|t| !t.is_empty());
        config.content_dir = self.content.clone();
        if let Some(url) = &self.public_url {
            config.public_url = validate_public_url(url)?;
        }
        config.throttle.per_ip_per_minute = self.login_per_minute;
        config.throttle.per_ip_per_hour = self.login_per_hour;
        config.throttle.signups_per_hour = self.signups_per_hour;
        config.trusted_proxies = self.trusted_proxies.clone();
        config.max_account_storage = self.max_account_storage_mb * crate::config::MB;
        self.mail(&mut config.mail)?;
        self.sign_in(&mut config)?;
        if let Some(dir) = &config.content_dir
            && !dir.is_dir()
        {
            return Err(format!("content folder {} does not exist", dir.display()).into());
        }
        Ok(config)
    }

    /// The notification settings: valid URLs, and a sender whenever there is a mail server.
    fn mail(&self, mail: &mut MailConfig) -> Result<(), CliError> {
        mail.smtp_url = match self.smtp_url.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => Some(crate::config::validate_smtp_url(u)?),
            None => None,
        };
        mail.from = self.mail_from.clone().filter(|u| !u.is_empty());
        if mail.smtp_url.is_some() && mail.from.is_none() {
            return Err("--mail-from (GAUNTLET_MAIL_FROM) is required with --smtp-url".into());
        }
        mail.webhook_url = match self.webhook_url.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => Some(crate::config::validate_webhook_url(u)?),
            None => None,
        };
        mail.reminder_hours = self.reminder_hours;
        Ok(())
    }

    /// Single sign-on and password sign-in: somebody must be able to sign in, and a malformed
    /// issuer or public URL stops the start, not the first sign-in.
    fn sign_in(&self, config: &mut Config) -> Result<(), CliError> {
        config.oidc = crate::auth::oidc::setup::oidc_from_flags(self.oidc_flags())?;
        config.password_login = self.password_login == "on";
        if !config.password_login && config.oidc.is_none() {
            return Err("--password-login off needs single sign-on (--oidc-issuer, --oidc-client-id and a client secret): nobody could sign in".into());
        }
        if let Some(oidc) = &config.oidc {
            crate::auth::oidc::Provider::new(
                oidc.clone(),
                config.link(crate::auth::oidc::CALLBACK),
            )?;
        }
        Ok(())
    }
}
