//! The catalog of gauntlets (filter by category, difficulty and domain; search the title,
//! category, domains, skills and overview text — all plain GET forms that work without
//! JavaScript, applied on change with it) and each gauntlet's overview page. Everyone sees a
//! "new" badge on recently published gauntlets; interviewers and admins also see each
//! gauntlet's attempts and average reviewed level.

mod kit;

pub use kit::kit;

use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::Arc,
};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    layout::Chrome,
};
use crate::{
    auth::Role,
    clock,
    content::Gauntlet,
    db::{self, attempts::GauntletStats},
    state::AppState,
};

/// A gauntlet counts as new this many days after it was published.
pub const NEW_DAYS: i64 = 14;
/// Gauntlets first loaded within this many seconds of the site's very first load are the
/// starting library, not news.
const FIRST_LOAD_WINDOW: i64 = 3600;

/// The slugs published in the last [`NEW_DAYS`] days at `now`: a browser gauntlet from its
/// first publication, a file one from when this site first loaded it (unless it was part of
/// the site's first load). `first_seen` and `first_published` are `(slug, unix seconds)`.
pub fn new_slugs(
    first_seen: &[(String, i64)],
    first_published: &[(String, i64)],
    now: i64,
) -> HashSet<String> {
    let since = now - NEW_DAYS * 86_400;
    let site_start = first_seen.iter().map(|(_, t)| *t).min().unwrap_or(now);
    let published: HashMap<&str, i64> = first_published
        .iter()
        .map(|(s, t)| (s.as_str(), *t))
        .collect();
    let mut new: HashSet<String> = first_published
        .iter()
        .filter(|(_, t)| *t >= since)
        .map(|(s, _)| s.clone())
        .collect();
    new.extend(
        first_seen
            .iter()
            .filter(|(s, t)| {
                !published.contains_key(s.as_str())
                    && *t >= since
                    && *t > site_start + FIRST_LOAD_WINDOW
            })
            .map(|(s, _)| s.clone()),
    );
    new
}

/// The catalog's query string; empty values mean "any".
#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub difficulty: String,
    #[serde(default)]
    pub domain: String,
}

impl Filter {
    fn is_empty(&self) -> bool {
        self.q.trim().is_empty()
            && self.category.is_empty()
            && self.difficulty.is_empty()
            && self.domain.is_empty()
    }

    /// Whether `g` passes every filter (case-insensitive; every search word must appear in
    /// what the overview shows of it — see [`search_text`] — or one of its usual short forms).
    pub fn matches(&self, g: &Gauntlet) -> bool {
        let eq = |want: &str, have: Option<&str>| {
            want.is_empty() || have.is_some_and(|h| h.eq_ignore_ascii_case(want))
        };
        let q = self.q.trim().to_lowercase();
        let passes = eq(&self.category, g.category.as_deref())
            && eq(&self.difficulty, g.difficulty.as_deref())
            && (self.domain.is_empty()
                || g.domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&self.domain)));
        if !passes || q.is_empty() {
            return passes;
        }
        let text = search_text(g);
        q.split_whitespace().all(|word| {
            text.contains(word) || ALIASES.iter().any(|(a, b)| *a == word && text.contains(b))
        })
    }
}

/// Short forms people search for, and the word the content uses.
const ALIASES: [(&str, &str); 8] = [
    ("k8s", "kubernetes"),
    ("pg", "postgres"),
    ("postgresql", "postgres"),
    ("js", "javascript"),
    ("ts", "typescript"),
    ("gc", "garbage collect"),
    ("db", "database"),
    ("oom", "memory"),
];

/// Everything the search looks in, lowercased: title, category, difficulty, domains, round
/// names, the skills each round tests and the document-level sections (never round prompts or
/// guidance, which the candidate must not see before the round).
pub fn search_text(g: &Gauntlet) -> String {
    let mut parts: Vec<&str> = vec![g.title.as_str()];
    parts.extend(g.category.as_deref());
    parts.extend(g.difficulty.as_deref());
    parts.extend(g.domains.iter().map(String::as_str));
    parts.extend(g.rounds.iter().map(|r| r.name.as_str()));
    parts.extend(g.skills.iter().map(|s| s.skill.as_str()));
    for e in &g.extras {
        parts.push(&e.label);
        parts.push(&e.text);
        parts.extend(e.items.iter().map(String::as_str));
    }
    parts.join("\n").to_lowercase()
}

/// The values each filter can take, from the whole library.
#[derive(Debug, Default)]
pub struct Facets {
    pub categories: BTreeSet<String>,
    pub difficulties: BTreeSet<String>,
    pub domains: BTreeSet<String>,
}

impl Facets {
    pub fn of<'a>(all: impl Iterator<Item = &'a Gauntlet>) -> Self {
        let mut f = Self::default();
        for g in all {
            f.categories.extend(g.category.clone());
            f.difficulties.extend(g.difficulty.clone());
            f.domains.extend(g.domains.iter().cloned());
        }
        f
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/catalog/index.html")]
struct CatalogPage {
    chrome: Chrome,
    filter: Filter,
    facets: Facets,
    shown: Vec<Arc<Gauntlet>>,
    total: usize,
    new: HashSet<String>,
    /// Attempts and reviewed levels by slug; empty for candidates, who never see them.
    stats: HashMap<String, GauntletStats>,
    staff: bool,
}

impl CatalogPage {
    fn filtered(&self) -> bool {
        !self.filter.is_empty()
    }

    fn is_new(&self, slug: &str) -> bool {
        self.new.contains(slug)
    }

    /// "3 attempts · average reviewed level 2.4 (2 reviewed)", for interviewers and admins.
    fn team_line(&self, slug: &str) -> String {
        let Some(s) = self.stats.get(slug) else {
            return "No attempts yet".to_string();
        };
        let attempts = format!(
            "{} {}",
            s.attempts,
            if s.attempts == 1 {
                "attempt"
            } else {
                "attempts"
            }
        );
        match s.average_level {
            Some(avg) => format!(
                "{attempts} · average reviewed level {avg:.1} ({} reviewed)",
                s.reviewed
            ),
            None => format!("{attempts} · none reviewed yet"),
        }
    }
}

/// The longest search accepted, in characters (Unicode scalar values).
pub const MAX_QUERY_CHARS: usize = 200;

/// `GET /catalog`
pub async fn catalog(
    CurrentUser(me): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Query(filter): Query<Filter>,
) -> Result<impl axum::response::IntoResponse> {
    if filter.q.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "Search for at most {MAX_QUERY_CHARS} characters."
        )));
    }
    let lib = state.content.current();
    let all: Vec<Arc<Gauntlet>> = lib.iter().map(|e| e.gauntlet.clone()).collect();
    let facets = Facets::of(all.iter().map(|g| g.as_ref()));
    let total = all.len();
    let shown = all.into_iter().filter(|g| filter.matches(g)).collect();
    let staff = me.role >= Role::Interviewer;
    let mut conn = state.db.get().await?;
    let new = new_slugs(
        &db::versions::first_seen(&mut *conn).await?,
        &db::authored::first_published(&mut *conn).await?,
        clock::now(),
    );
    let stats = if staff {
        db::attempts::stats_by_gauntlet(&mut *conn)
            .await?
            .into_iter()
            .map(|s| (s.slug.clone(), s))
            .collect()
    } else {
        HashMap::new()
    };
    Ok(CatalogPage {
        chrome,
        filter,
        facets,
        shown,
        total,
        new,
        stats,
        staff,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/catalog/gauntlet.html")]
pub struct OverviewPage {
    chrome: Chrome,
    g: Arc<Gauntlet>,
    minutes_per_round: Option<u32>,
    /// The "Start a live interview" form as typed, with its problem (`web::live::start`).
    live: LiveStartForm,
}

/// What the live interview form shows: the values typed and why they were refused.
#[derive(Default)]
pub struct LiveStartForm {
    pub email: String,
    pub scheduled_at: String,
    pub error: Option<String>,
}

/// The overview page of `g` (also shown again by a refused live interview form).
pub fn overview_page(chrome: Chrome, g: Arc<Gauntlet>, live: LiveStartForm) -> OverviewPage {
    let rounds = g.rounds.len().max(1) as u32;
    OverviewPage {
        chrome,
        minutes_per_round: g.duration_minutes().map(|m| m.div_ceil(rounds)),
        g,
        live,
    }
}

/// `GET /gauntlets/{slug}`: metadata and the shape of the interview, never round content.
pub async fn overview(
    _: CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl axum::response::IntoResponse> {
    let lib = state.content.current();
    let g = lib.get(&slug).ok_or(AppError::NotFound)?.gauntlet.clone();
    Ok(overview_page(chrome, g, LiveStartForm::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(title: &str, cat: &str, diff: &str, domains: &[&str]) -> Gauntlet {
        Gauntlet {
            slug: title.to_lowercase().replace(' ', "-"),
            title: title.into(),
            category: Some(cat.into()),
            difficulty: Some(diff.into()),
            duration: None,
            domains: domains.iter().map(|d| d.to_string()).collect(),
            version: "v".into(),
            rounds: vec![],
            skills: vec![],
            extras: vec![],
        }
    }

    #[test]
    fn new_means_published_in_the_last_14_days_but_not_the_first_load() {
        let day = 86_400;
        let now = 100 * day;
        let seen = vec![
            ("seed".to_string(), now - 3 * day),
            ("seed-2".to_string(), now - 3 * day + 5),
            ("added-file".to_string(), now - 2 * day),
            ("old-file".to_string(), now - 40 * day),
            ("online".to_string(), now - day),
            ("online-old".to_string(), now - 20 * day),
        ];
        let published = vec![
            ("online".to_string(), now - day),
            ("online-old".to_string(), now - 20 * day),
        ];
        let new = new_slugs(&seen, &published, now);
        assert!(new.contains("online"));
        assert!(new.contains("added-file"));
        assert!(!new.contains("online-old"));
        assert!(!new.contains("old-file"));
        // "old-file" is the earliest, so the first load is 40 days ago: the seeds are new
        assert!(new.contains("seed"));
        let fresh_site = new_slugs(&seen[..2], &[], now);
        assert!(fresh_site.is_empty(), "the first load is not news");
        let published_at_start = new_slugs(&seen[..2], &[("seed".to_string(), now - 3 * day)], now);
        assert!(published_at_start.contains("seed"));
    }

    #[test]
    fn search_looks_in_domains_skills_and_short_forms() {
        let mut k = g(
            "Multi-Region Kubernetes",
            "System Design",
            "L3",
            &["Kubernetes", "Networking"],
        );
        k.skills.push(crate::content::model::Skill {
            round: 3,
            skill: "Caching regional reads in Redis under a budget".into(),
        });
        let rl = g(
            "Rate Limiter",
            "System Design",
            "L3",
            &["API Design", "Redis"],
        );
        let j = g("JVM Memory Leak", "Debugging", "L2-L3", &["JVM"]);
        let q = |s: &str| Filter {
            q: s.into(),
            ..Filter::default()
        };
        assert!(q("redis").matches(&rl) && q("redis").matches(&k) && !q("redis").matches(&j));
        assert!(q("k8s").matches(&k) && !q("k8s").matches(&rl));
        assert!(q("memory").matches(&j));
        assert!(q("debugging").matches(&j), "the category");
        assert!(q("api design").matches(&rl) && !q("api design").matches(&k));
    }

    #[test]
    fn filters_combine_and_search_matches_title_words() {
        let k = g(
            "Multi-Region Kubernetes",
            "System Design",
            "L3",
            &["Kubernetes", "Networking"],
        );
        let j = g("JVM Memory Leak", "Debugging", "L2-L3", &["JVM"]);
        let by_cat = Filter {
            category: "debugging".into(),
            ..Filter::default()
        };
        assert!(!by_cat.matches(&k) && by_cat.matches(&j));
        let by_domain = Filter {
            domain: "networking".into(),
            ..Filter::default()
        };
        assert!(by_domain.matches(&k) && !by_domain.matches(&j));
        let search = Filter {
            q: "memory jvm".into(),
            ..Filter::default()
        };
        assert!(search.matches(&j) && !search.matches(&k));
        let none = Filter {
            q: "kafka".into(),
            difficulty: "L3".into(),
            ..Filter::default()
        };
        assert!(!none.matches(&k));
        let facets = Facets::of([&k, &j].into_iter());
        assert_eq!(facets.categories.len(), 2);
        assert!(facets.domains.contains("JVM"));
    }
}
