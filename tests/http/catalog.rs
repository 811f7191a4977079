//! The catalog and overview pages.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::common::{TestApp, page_text};

/// The slugs of the gauntlet cards a catalog page lists, in order.
fn listed(html: &str) -> Vec<&str> {
    html.split("<li class=\"card gauntlet-card\">")
        .skip(1)
        .map(|card| {
            let start = card
                .find("href=\"/gauntlets/")
                .expect("a card links its gauntlet")
                + 17;
            &card[start..start + card[start..].find('"').unwrap()]
        })
        .collect()
}

#[tokio::test]
async fn the_catalog_lists_the_built_in_gauntlets_and_filters_them() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let all = page_text(&app, &client, "/catalog").await;
    let every = listed(&all);
    assert!(every.contains(&"multi-region-kubernetes"));
    assert!(
        every.len() >= 9,
        "seed plus at least 8 originals, got {every:?}"
    );

    // each filter lists exactly the built-in gauntlets it names (content/*.md), so a filter
    // that let everything through, or dropped a match, fails here
    for (query, expected) in [
        (
            "category=System+Design",
            &[
                "multi-region-kubernetes",
                "rate-limiter-public-api",
                "slo-burn-rate-alerting",
                "zero-downtime-schema-migration",
            ][..],
        ),
        ("domain=Networking", &["multi-region-kubernetes"][..]),
        (
            "domain=Kubernetes",
            &["jvm-memory-leak", "multi-region-kubernetes"][..],
        ),
        (
            "category=Debugging&domain=Kubernetes",
            &["jvm-memory-leak"][..],
        ),
    ] {
        let html = page_text(&app, &client, &format!("/catalog?{query}")).await;
        let mut shown = listed(&html);
        shown.sort_unstable();
        assert_eq!(shown, expected, "{query}");
    }

    // the search also reads domains, skills and overview text (issue 13 point 10), so another
    // gauntlet that mentions Kubernetes may match too; never the whole library
    let searched = page_text(&app, &client, "/catalog?q=kubernetes").await;
    let found = listed(&searched);
    assert!(found.contains(&"multi-region-kubernetes"));
    assert!(found.len() < every.len(), "{found:?}");

    let none = page_text(&app, &client, "/catalog?q=zzzz-no-such-thing").await;
    assert!(listed(&none).is_empty());
    assert!(none.contains("Nothing matches"));
}

#[tokio::test]
async fn the_overview_shows_metadata_but_no_round_content() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let r = client
        .get(app.url("/gauntlets/multi-region-kubernetes"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("15-20 minutes") && html.contains("Kubernetes, Networking"));
    for secret in [
        "primary database is in us-east-1",
        "Strong Answer",
        "Route 53",
        "zero data loss",
        "Skill Tested",
    ] {
        assert!(!html.contains(secret), "overview leaks {secret:?}");
    }
    let missing = client
        .get(app.url("/gauntlets/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_domains_skills_and_short_forms_not_only_titles() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let get = |q: &'static str| {
        let client = client.clone();
        let url = app.url(&format!("/catalog?q={q}"));
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let redis = get("redis").await;
    assert!(redis.contains("Rate Limiter for a Public API"), "a domain");
    let k8s = get("k8s").await;
    assert!(k8s.contains("Multi-Region Kubernetes"), "a short form");
    let memory = get("memory").await;
    assert!(
        memory.contains("JVM Service OOMKilled"),
        "a skill; the placeholder's own example"
    );
    let none = get("zzzz").await;
    assert!(none.contains("Nothing matches"));
}
