//! Load benchmark against a running server (see `bench/run`): many candidates autosaving on a
//! schedule with every acknowledged save verified in the database afterwards, durable autosave
//! throughput against a bare SQLite commit loop, and page throughput against a trivial route.
//! With `ATTACK=1` the candidates autosave while 1,500 silent connections and 200 trickling
//! request bodies are held open against the same server (each reopened when the server closes
//! it). With `LIVE=1`, live interviews instead (see [`live`]). Run by hand; numbers go to
//! docs/performance.md. Never part of the test suite.

#[path = "load/live.rs"]
mod live;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The body of a GET of `url` as text.
async fn page_text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let i = html.find(marker).expect("csrf field") + marker.len();
    html[i..i + html[i..].find('"').unwrap()].to_string()
}

/// Candidates per loopback source address (127.0.0.10, .11, …): thousands of clients from one
/// address would share one range of ephemeral ports.
const CLIENTS_PER_SOURCE: usize = 250;

/// The loopback address client `i` connects from.
fn source_of(i: usize) -> std::net::IpAddr {
    std::net::Ipv4Addr::new(127, 0, 0, 10 + (i / CLIENTS_PER_SOURCE) as u8).into()
}

async fn sign_in(base: &str, email: &str) -> reqwest::Client {
    sign_in_from(base, email, source_of(0)).await
}

/// Connections each page measurement keeps open (one per concurrent GET loop). Every client
/// keeps that many idle, so a loop reuses its connection as a browser or `wrk` would: with
/// fewer kept, each GET past them opened a new connection, and the closed ones' TIME_WAIT
/// entries piled up until the kernel's search for a free local port stalled the load
/// generator (the "first-view stall" of earlier runs).
const PAGE_CONNECTIONS: usize = 32;

async fn sign_in_from(base: &str, email: &str, source: std::net::IpAddr) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .local_address(source)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(PAGE_CONNECTIONS)
        .build()
        .unwrap();
    let page = page_text(&client, format!("{base}/login")).await;
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", csrf_of(&page).as_str()),
            ("email", email),
            ("password", "load test passphrase"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign in {email}");
    client
}

async fn start_attempt(base: &str, client: &reqwest::Client) -> (i64, String) {
    let page = page_text(client, format!("{base}/gauntlets/multi-region-kubernetes")).await;
    let token = csrf_of(&page);
    let r = client
        .post(format!("{base}/gauntlets/multi-region-kubernetes/attempts"))
        .form(&[("_csrf", token.as_str()), ("mode", "interview")])
        .send()
        .await
        .unwrap();
    let id = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/attempts/")
        .parse()
        .unwrap();
    let round = page_text(client, format!("{base}/attempts/{id}")).await;
    (id, csrf_of(&round))
}

/// Keeps 1,500 silent connections and 200 trickling sign-in bodies open against the server,
/// reopening each one the server closes; returns the tasks and a count of connections opened.
fn hold_attack(
    base: &str,
) -> (
    Vec<tokio::task::JoinHandle<()>>,
    Arc<std::sync::atomic::AtomicU64>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let opened = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..1_700 {
        let opened = opened.clone();
        tasks.push(tokio::spawn(async move {
            let trickle = i >= 1_500;
            loop {
                let sock = tokio::net::TcpSocket::new_v4().unwrap();
                // the attack comes from other loopback addresses than the candidates
                let source = [127, 0, 0, if trickle { 3 } else { 2 }];
                if sock.bind(std::net::SocketAddr::from((source, 0))).is_err() {
                    return;
                }
                let Ok(mut s) = sock.connect(addr).await else {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                };
                opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if trickle {
                    let head = "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n";
                    if s.write_all(head.as_bytes()).await.is_err() {
                        continue;
                    }
                    while s.write_all(b"a").await.is_ok() {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                } else {
                    let mut buf = [0u8; 256];
                    while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
                }
            }
        }));
    }
    (tasks, opened)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn sha(s: &str) -> Vec<u8> {
    Sha256::digest(s.as_bytes()).to_vec()
}

/// How many of the acknowledged saves `(attempt, (version, sha256 of the body))` of round 1's
/// main answer are not in the database as acknowledged.
async fn missing_acked(pool: &sqlx::SqlitePool, acked: &[(i64, (i64, Vec<u8>))]) -> usize {
    let mut missing = 0;
    for (id, (version, hash)) in acked {
        let (body, stored): (String, i64) = sqlx::query_as(
            "select body, version from answers where attempt_id = ? and part = 'main' and round_number = 1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or_default();
        if stored != *version || sha(&body) != *hash {
            missing += 1;
        }
    }
    missing
}

/// Closed-loop requests/s of GET `path` with `conns` concurrent clients for `secs`.
async fn throughput(
    base: &str,
    client: &reqwest::Client,
    path: &str,
    conns: usize,
    secs: u64,
) -> f64 {
    views(base, client, path, conns, secs, None).await
}

/// What another connection commits before each GET of a page (see [`first_view_rate`]).
#[derive(Clone, Copy)]
enum Change {
    /// A commit that moves the review page stamp (the settings' change counter, as a grading
    /// save moves the attempt's): the page must be read again and its body built again.
    Stamp,
    /// A commit to a row the page never reads (a counter of the bench's own): the server's
    /// kept read is stale and the statement runs again after another connection's commit, but
    /// the stamp it finds is the same, so the kept body is served. The difference between this
    /// and [`Change::Stamp`] is what building the body costs; between this and an unchanged
    /// view, what the statement costs.
    Elsewhere,
}

impl Change {
    fn statement(self) -> &'static str {
        match self {
            Change::Stamp => "update change_counters set n = n + 1 where name = 'settings'",
            Change::Elsewhere => {
                "insert into change_counters (name, n) values ('bench', 1)
                 on conflict (name) do update set n = n + 1"
            }
        }
    }
}

/// GETs of `path` per second over `conns` connections for `secs` seconds; with `outside`, that
/// pool commits its [`Change`] before each GET.
async fn views(
    base: &str,
    client: &reqwest::Client,
    path: &str,
    conns: usize,
    secs: u64,
    outside: Option<(sqlx::SqlitePool, Change)>,
) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let tasks: Vec<_> = (0..conns)
        .map(|_| {
            let (client, url, count) = (client.clone(), format!("{base}{path}"), count.clone());
            let outside = outside.clone();
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    if let Some((db, change)) = &outside {
                        sqlx::query(change.statement()).execute(db).await.unwrap();
                    }
                    let r = client.get(&url).send().await.unwrap();
                    assert!(r.status().is_success(), "{url}: {}", r.status());
                    r.bytes().await.unwrap();
                    count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    count.load(std::sync::atomic::Ordering::Relaxed) as f64 / secs as f64
}

/// Bare SQLite commits/s with the site's pragmas (WAL, synchronous=FULL), one row updated per commit.
async fn bare_commit_loop(dir: &std::path::Path, secs: u64) -> f64 {
    let path = dir.join("bare.db");
    let _ = std::fs::remove_file(&path);
    let opts = gauntlet::db::connect_options(&path, gauntlet::db::Create::IfMissing);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .unwrap();
    sqlx::query(
        "create table t (id integer primary key, body text not null, version integer not null)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("insert into t values (1, '', 0)")
        .execute(&pool)
        .await
        .unwrap();
    let body = "x".repeat(2000);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut n = 0u64;
    while Instant::now() < deadline {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("update t set body = ?, version = version + 1 where id = 1")
            .bind(&body)
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        n += 1;
    }
    pool.close().await;
    n as f64 / secs as f64
}

#[tokio::main]
async fn main() {
    let base = env("GAUNTLET_URL", "http://127.0.0.1:3900");
    let db_path = env("GAUNTLET_BENCH_DB", "bench.db");
    let users: usize = env("USERS", "200").parse().unwrap();
    let secs: u64 = env("SECONDS", "60").parse().unwrap();
    let interval = Duration::from_millis(env("INTERVAL_MS", "2000").parse().unwrap());
    let work = std::path::PathBuf::from(env("BENCH_DIR", "."));
    if env("LIVE", "") == "1" {
        live::run(&base, &db_path).await;
        return;
    }

    // the attack, when asked for: held for the whole autosave phase
    let attack = (env("ATTACK", "") == "1").then(|| hold_attack(&base));
    // 1. candidates autosaving on a schedule (open loop: latency from the planned send time)
    eprintln!("signing in {users} candidates …");
    let mut vus = Vec::new();
    for i in 0..users {
        let client = sign_in_from(&base, &format!("load{i}@bench.test"), source_of(i)).await;
        let (id, token) = start_attempt(&base, &client).await;
        vus.push((client, id, token));
    }
    eprintln!("autosaving every {interval:?} for {secs} s …");
    let latencies = Arc::new(Mutex::new(Vec::new()));
    // each failed save by what went wrong ("HTTP 503", "timeout", …), so that a rare one is
    // told apart from another
    let failures = Arc::new(Mutex::new(std::collections::BTreeMap::<String, u64>::new()));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now() + Duration::from_millis(100);
    let tasks: Vec<_> = vus
        .iter()
        .enumerate()
        .map(|(i, (client, id, token))| {
            let (client, id, token, base) = (client.clone(), *id, token.clone(), base.clone());
            let (latencies, failures, acked) = (latencies.clone(), failures.clone(), acked.clone());
            tokio::spawn(async move {
                // spread the users over the interval
                let offset = interval.mul_f64(i as f64 / users as f64);
                let mut version = 0i64;
                let mut body = String::new();
                let mut last = (0i64, Vec::new());
                for tick in 0.. {
                    let planned = started + offset + interval * tick;
                    if planned > started + Duration::from_secs(secs) {
                        break;
                    }
                    tokio::time::sleep_until(planned.into()).await;
                    body.push_str(&format!(
                        "tick {tick}: a few more words about failover and RPO — ünïcødé. "
                    ));
                    let r = client
                        .post(format!("{base}/attempts/{id}/steps/1/main/save"))
                        .header("x-csrf-token", &token)
                        .header("accept", "application/json")
                        .form(&[
                            ("body", body.as_str()),
                            ("base_version", &version.to_string()),
                        ])
                        .send()
                        .await;
                    match r {
                        Ok(resp) if resp.status() == 200 => {
                            let v: serde_json::Value = resp.json().await.unwrap();
                            version = v["version"].as_i64().unwrap();
                            last = (version, sha(&body));
                            latencies.lock().unwrap().push(planned.elapsed());
                        }
                        failed => {
                            let what = failure_kind(failed);
                            *failures.lock().unwrap().entry(what).or_default() += 1;
                        }
                    }
                }
                acked.lock().unwrap().push((id, last));
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let mut lat = latencies.lock().unwrap().clone();
    lat.sort();
    let failures = failures.lock().unwrap().clone();
    let errors: u64 = failures.values().sum();
    if let Some((tasks, opened)) = attack {
        for t in tasks {
            t.abort();
        }
        println!(
            "attack held during the autosaves: 1,500 silent connections and 200 trickling bodies ({} connections opened in all)",
            opened.load(std::sync::atomic::Ordering::Relaxed)
        );
    }

    // every acknowledged byte is in the database
    let opts = gauntlet::db::options_from_url(&format!("sqlite:{db_path}"))
        .unwrap()
        .read_only(true);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    let acked: Vec<_> = acked.lock().unwrap().clone();
    let missing = missing_acked(&pool, &acked).await;
    pool.close().await;
    println!(
        "autosave: {users} users every {interval:?} for {secs} s: {} saves, {errors} errors, p50 {:?}, p99 {:?}, max {:?}, acknowledged saves missing: {missing}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or_default()
    );
    for (what, n) in &failures {
        println!("autosave failures: {n} × {what}");
    }

    match env("ONLY", "").as_str() {
        "first-views" => return first_views_only(&base).await,
        "first-view-parts" => return first_view_parts(&base, &vus[0].0).await,
        _ => {}
    }

    // 2. durable autosave throughput against a bare commit loop: alternating pairs (autosaves
    // for 4 s, then the bare loop for 4 s), reported as the median ratio and every pair
    let writers: Vec<_> = vus.iter().take(32).cloned().collect();
    let mut rates = Vec::new();
    for _ in 0..AUTOSAVE_PAIRS {
        let saves = durable_autosaves(&base, &writers, AUTOSAVE_SECS).await;
        let bare = bare_commit_loop(&work, AUTOSAVE_SECS).await;
        rates.push((saves, bare));
    }
    println!(
        "durable autosaves vs bare SQLite commits (WAL, FULL), 32 clients: {}",
        ratio_summary(&rates, "saves/commits per s")
    );
    if env("ONLY", "") == "autosaves" {
        return;
    }

    // 3. pages against a trivial route
    let (client, id, _) = &vus[0];
    let css = stylesheet_path(&base, client).await;
    let round_path = format!("/attempts/{id}");
    let round = pairs(&base, client, &css, client, &round_path, false).await;
    println!(
        "round page vs the stylesheet: {round}; {} bytes",
        size_of_page(&base, client, &round_path).await
    );
    let (reviewer, review_path) = claimed_review(&base).await;
    let unchanged = pairs(&base, client, &css, &reviewer, &review_path, false).await;
    println!("review page vs the stylesheet, views of an unchanged page: {unchanged}");
    let first = pairs(&base, client, &css, &reviewer, &review_path, true).await;
    println!(
        "review page vs the stylesheet, first views after a change: {first}; {} bytes",
        size_of_page(&base, &reviewer, &review_path).await
    );
}

/// A reviewer's client that claimed a finished attempt, and the path of its review page.
async fn claimed_review(base: &str) -> (reqwest::Client, String) {
    let review = reviewable_attempt(base).await;
    let reviewer = sign_in(base, "reviewer@bench.test").await;
    let page = page_text(&reviewer, format!("{base}/reviews")).await;
    reviewer
        .post(format!("{base}/reviews/{review}/claim"))
        .form(&[("_csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    (reviewer, format!("/reviews/{review}"))
}

/// `ONLY=first-views`: review page first views alone for `FIRST_VIEW_SECS` (10) seconds, with
/// no stylesheet halves, so a profiler attached to the server for that window sees one kind
/// of request (`bench/instructions` divides the server's instructions by the views).
async fn first_views_only(base: &str) {
    let secs: u64 = env("FIRST_VIEW_SECS", "10").parse().unwrap();
    let (reviewer, path) = claimed_review(base).await;
    // one view first: what is done once per server (the library's statistics, each round's
    // block) is not counted as part of every view
    let first = reviewer.get(format!("{base}{path}")).send().await.unwrap();
    assert!(first.status().is_success(), "{path}: {}", first.status());
    first.bytes().await.unwrap();
    println!("first views only, for {secs} s …");
    let rate = first_view_rate(
        base,
        &reviewer,
        &path,
        PAGE_CONNECTIONS,
        secs,
        Change::Stamp,
    )
    .await;
    println!(
        "first views only: {rate:.0} views/s, {:.0} views",
        rate * secs as f64
    );
}

/// `ONLY=first-view-parts`: what a review page first view costs beyond a view of an unchanged
/// page, in two parts. Five rounds of four 2-second halves (the stylesheet, unchanged views,
/// views after a commit elsewhere, views after a commit that moves the stamp), each page rate
/// as its ratio to the stylesheet in the same round, and the median time per view on the
/// server's one core (the server is busy throughout, so a view's share of it is 1 / rate).
async fn first_view_parts(base: &str, client: &reqwest::Client) {
    let css = stylesheet_path(base, client).await;
    let (reviewer, path) = claimed_review(base).await;
    let kinds = [None, Some(Change::Elsewhere), Some(Change::Stamp)];
    let mut rates: Vec<Vec<(f64, f64)>> = vec![Vec::new(); kinds.len()];
    for _ in 0..PAIRS {
        let sheet = throughput(base, client, &css, PAGE_CONNECTIONS, PAIR_SECS).await;
        for (kind, rates) in kinds.iter().zip(&mut rates) {
            let page = match kind {
                None => throughput(base, &reviewer, &path, PAGE_CONNECTIONS, PAIR_SECS).await,
                Some(change) => {
                    let (conns, secs) = (PAGE_CONNECTIONS, PAIR_SECS);
                    first_view_rate(base, &reviewer, &path, conns, secs, *change).await
                }
            };
            rates.push((page, sheet));
        }
    }
    let median_us = |rates: &[(f64, f64)], pick: fn(&(f64, f64)) -> f64| {
        let mut us: Vec<f64> = rates.iter().map(|r| 1e6 / pick(r)).collect();
        us.sort_by(f64::total_cmp);
        us[us.len() / 2]
    };
    println!(
        "stylesheet: median {:.1} µs per request",
        median_us(&rates[0], |r| r.1)
    );
    let names = [
        "unchanged views",
        "views after a commit elsewhere (the statement again, the kept body)",
        "first views after a change (the statement again, the body built again)",
    ];
    for (name, rates) in names.iter().zip(&rates) {
        println!(
            "review page, {name}: median {:.1} µs per view; vs the stylesheet {}",
            median_us(rates, |r| r.0),
            ratio_summary(rates, "page/stylesheet req/s")
        );
    }
}

/// The stylesheet's hashed path, as the home page links it.
async fn stylesheet_path(base: &str, client: &reqwest::Client) -> String {
    let home = page_text(client, format!("{base}/")).await;
    let i = home.find("/static/app.").unwrap();
    home[i..i + home[i..].find('"').unwrap()].to_string()
}

/// The body size of one GET of `path`.
async fn size_of_page(base: &str, client: &reqwest::Client, path: &str) -> usize {
    let r = client.get(format!("{base}{path}")).send().await.unwrap();
    r.bytes().await.unwrap().len()
}

/// Seconds per half of an autosave pair, and pairs.
const AUTOSAVE_SECS: u64 = 4;
const AUTOSAVE_PAIRS: usize = 5;

/// Acknowledged autosaves per second from `writers` (each saving its round 1 answer over and
/// over, with the version the last save returned) for `secs` seconds.
async fn durable_autosaves(
    base: &str,
    writers: &[(reqwest::Client, i64, String)],
    secs: u64,
) -> f64 {
    let count = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = writers
        .iter()
        .cloned()
        .map(|(client, id, token)| {
            let (base, count) = (base.to_string(), count.clone());
            tokio::spawn(async move {
                let mut version = 0i64;
                let body = "y".repeat(2000);
                let save = |text: String, base_version: i64| {
                    client
                        .post(format!("{base}/attempts/{id}/steps/1/main/save"))
                        .header("x-csrf-token", &token)
                        .header("accept", "application/json")
                        .form(&[("body", text), ("base_version", base_version.to_string())])
                        .send()
                };
                // find the current version by saving with a stale one first
                let r = save("probe".into(), -1).await.unwrap();
                if let Ok(v) = r.json::<serde_json::Value>().await {
                    version = v["version"].as_i64().unwrap_or(0);
                }
                while Instant::now() < deadline {
                    let r = save(format!("{body}{version}"), version).await.unwrap();
                    if r.status() == 200 {
                        let v: serde_json::Value = r.json().await.unwrap();
                        version = v["version"].as_i64().unwrap();
                        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    count.load(std::sync::atomic::Ordering::Relaxed) as f64 / secs as f64
}

/// What went wrong with a save that was not answered 200: its status, or the kind of
/// transport error.
fn failure_kind(r: Result<reqwest::Response, reqwest::Error>) -> String {
    match r {
        Ok(resp) => format!("HTTP {}", resp.status()),
        Err(e) if e.is_timeout() => "timeout".to_string(),
        Err(e) if e.is_connect() => "connection refused or reset while connecting".to_string(),
        Err(e) => format!("transport error: {e}"),
    }
}

/// Seconds per half of a pair, and pairs per ratio.
const PAIR_SECS: u64 = 2;
const PAIRS: usize = 5;

/// Five alternating pairs (the stylesheet for 2 s, then the page for 2 s, 32 connections
/// each): the median ratio of page to stylesheet requests/s, with every pair's ratio.
async fn pairs(
    base: &str,
    trivial_client: &reqwest::Client,
    trivial: &str,
    client: &reqwest::Client,
    path: &str,
    first_views: bool,
) -> String {
    let mut rates = Vec::new();
    for _ in 0..PAIRS {
        let t = throughput(base, trivial_client, trivial, PAGE_CONNECTIONS, PAIR_SECS).await;
        let p = if first_views {
            first_view_rate(
                base,
                client,
                path,
                PAGE_CONNECTIONS,
                PAIR_SECS,
                Change::Stamp,
            )
            .await
        } else {
            throughput(base, client, path, PAGE_CONNECTIONS, PAIR_SECS).await
        };
        rates.push((p, t));
    }
    ratio_summary(&rates, "page/stylesheet req/s")
}

/// The median ratio of `(measured, reference)` rate pairs, its range, and every pair as
/// `measured/reference` under the label `what`.
fn ratio_summary(rates: &[(f64, f64)], what: &str) -> String {
    let mut ratios: Vec<f64> = rates.iter().map(|(m, r)| m / r).collect();
    ratios.sort_by(f64::total_cmp);
    let list: Vec<String> = rates
        .iter()
        .map(|(m, r)| format!("{m:.0}/{r:.0}"))
        .collect();
    format!(
        "median {:.2}x (pairs {:.2}x–{:.2}x; {what}: {})",
        ratios[ratios.len() / 2],
        ratios[0],
        ratios[ratios.len() - 1],
        list.join(", ")
    )
}

/// Like [`throughput`], but before each view another connection (as the command line would open)
/// commits `change`: with [`Change::Stamp`] it moves the page stamp, so no view can reuse an
/// earlier rendering of the page. That connection
/// commits without waiting for the disk (`synchronous = OFF`): the fsync belongs to the grading
/// save that moves the stamp, not to the view measured here, and one fsync per view would cap
/// the rate near the bare commit loop's (about 3,000/s here), whatever the page costs.
async fn first_view_rate(
    base: &str,
    client: &reqwest::Client,
    path: &str,
    conns: usize,
    secs: u64,
    change: Change,
) -> f64 {
    let db = std::path::PathBuf::from(env("GAUNTLET_BENCH_DB", "bench.db"));
    let outside = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            gauntlet::db::connect_options(&db, gauntlet::db::Create::Never)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Off),
        )
        .await
        .unwrap();
    views(base, client, path, conns, secs, Some((outside, change))).await
}

/// A finished seed attempt (with the round 2 follow-up) that asked for a review.
async fn reviewable_attempt(base: &str) -> i64 {
    let client = sign_in(base, "load0@bench.test").await;
    let (id, token) = start_attempt(base, &client).await;
    let steps = [
        (1, "main"),
        (2, "main"),
        (2, "follow_up"),
        (3, "main"),
        (4, "main"),
        (5, "main"),
    ];
    for (round, part) in steps {
        let answer = format!(
            "Round {round}: one cluster per region, Route 53 latency routing, a primary in us-east-1, Aurora Global Database promotion, RPO under a second, legal review for EU data."
        );
        let r = client
            .post(format!("{base}/attempts/{id}/steps/{round}/{part}/submit"))
            .form(&[
                ("_csrf", token.as_str()),
                ("body", answer.as_str()),
                ("base_version", "0"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "submit round {round} {part}");
    }
    let r = client
        .post(format!("{base}/attempts/{id}/review"))
        .form(&[("_csrf", token.as_str()), ("action", "request")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    id
}
