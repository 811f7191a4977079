//! The catalog and overview pages.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::common::TestApp;

#[tokio::test]
async fn the_catalog_lists_the_built_in_gauntlets_and_filters_them() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let all = client
        .get(app.url("/catalog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(all.contains("Multi-Region Kubernetes Deployment"));
    let count = all.matches("class=\"card gauntlet-card\"").count();
    assert!(count >= 9, "seed plus at least 8 originals, got {count}");

    let sys = client
        .get(app.url("/catalog?category=System+Design"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sys.contains("Multi-Region Kubernetes Deployment"));
    assert!(sys.matches("class=\"card gauntlet-card\"").count() < count);

    let searched = client
        .get(app.url("/catalog?q=kubernetes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // the search also reads domains, skills and overview text (issue 13 point 10), so another
    // gauntlet that mentions Kubernetes may match too; never the whole library
    assert!(searched.contains("Multi-Region Kubernetes Deployment"));
    assert!(searched.matches("class=\"card gauntlet-card\"").count() < count);

    let domain = client
        .get(app.url("/catalog?domain=Networking"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(domain.contains("Multi-Region Kubernetes Deployment"));

    let none = client
        .get(app.url("/catalog?q=zzzz-no-such-thing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
