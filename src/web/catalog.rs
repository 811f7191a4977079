//! The catalog of gauntlets (filter by category, difficulty and domain; search titles — all
//! plain GET forms that work without JavaScript) and each gauntlet's overview page.

use std::{collections::BTreeSet, sync::Arc};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    layout::Chrome,
};
use crate::{content::Gauntlet, state::AppState};

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

    /// Whether `g` passes every filter (case-insensitive; the search matches title words).
    pub fn matches(&self, g: &Gauntlet) -> bool {
        let eq = |want: &str, have: Option<&str>| {
            want.is_empty() || have.is_some_and(|h| h.eq_ignore_ascii_case(want))
        };
        let q = self.q.trim().to_lowercase();
        let title = g.title.to_lowercase();
        eq(&self.category, g.category.as_deref())
            && eq(&self.difficulty, g.difficulty.as_deref())
            && (self.domain.is_empty()
                || g.domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(&self.domain)))
            && q.split_whitespace().all(|word| title.contains(word))
    }
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
}

impl CatalogPage {
    fn filtered(&self) -> bool {
        !self.filter.is_empty()
    }
}

/// The longest search accepted, in characters (Unicode scalar values).
pub const MAX_QUERY_CHARS: usize = 200;

/// `GET /catalog`
pub async fn catalog(
    _: CurrentUser,
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
    Ok(CatalogPage {
        chrome,
        filter,
        facets,
        shown,
        total,
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
