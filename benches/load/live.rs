//! The live-interview phase of the load benchmark (`LIVE=1 bench/run`): many sessions at once,
//! each with its candidate autosaving once a second and two event streams open (the console and
//! the candidate's round page). Reports how long a save takes to reach the console's stream as an
//! `answer` event, from the moment the save was due, and checks every acknowledged save.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use super::{csrf_of, env, missing_acked, percentile, sha, sign_in};

const SLUG: &str = "multi-region-kubernetes";

/// One session as the benchmark drives it.
struct Pair {
    interviewer: reqwest::Client,
    candidate: reqwest::Client,
    session: i64,
    attempt: i64,
    token: String,
}

async fn text(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Interviewer `live{i}` starts a session with candidate `load{i}` and reveals round 1.
async fn open_pair(base: &str, db: &sqlx::SqlitePool, i: usize) -> Pair {
    let interviewer = sign_in(base, &format!("live{i}@bench.test")).await;
    let candidate = sign_in(base, &format!("load{i}@bench.test")).await;
    let token = csrf_of(&text(&interviewer, format!("{base}/gauntlets/{SLUG}")).await);
    let email = format!("load{i}@bench.test");
    let r = interviewer
        .post(format!("{base}/gauntlets/{SLUG}/live"))
        .form(&[("_csrf", token.as_str()), ("candidate_email", &email)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "start session {i}");
    let session: i64 = r.headers()["location"].to_str().unwrap()["/live/".len()..]
        .parse()
        .unwrap();
    let token = csrf_of(&text(&interviewer, format!("{base}/live/{session}")).await);
    let r = interviewer
        .post(format!("{base}/live/{session}/control"))
        .form(&[("_csrf", token.as_str()), ("action", "reveal")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "reveal in session {i}");
    let attempt: i64 = sqlx::query_scalar("select attempt_id from live_sessions where id = ?")
        .bind(session)
        .fetch_one(db)
        .await
        .unwrap();
    let token = csrf_of(&text(&candidate, format!("{base}/attempts/{attempt}")).await);
    Pair {
        interviewer,
        candidate,
        session,
        attempt,
        token,
    }
}

/// When each tick's save of one session was due, and the delivery delays seen by its console.
#[derive(Default)]
struct Ticks {
    due: HashMap<u64, Instant>,
    delivered: usize,
}

/// Reads one event stream until aborted; with `ticks`, every `answer` event's delay from its
/// save's due time is recorded.
async fn read_stream(
    client: reqwest::Client,
    url: String,
    ticks: Option<Arc<Mutex<Ticks>>>,
    delays: Arc<Mutex<Vec<Duration>>>,
) {
    let mut resp = client
        .get(url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "event stream");
    let mut buf = String::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let (Some(ticks), true) = (&ticks, block.contains("event: answer")) else {
                continue;
            };
            // the body ends with "tick N: …"; the last such N is this save's tick
            let Some(at) = block.rfind("tick ") else {
                continue;
            };
            let digits: String = block[at + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let mut t = ticks.lock().unwrap();
            if let Some(due) = digits.parse().ok().and_then(|n: u64| t.due.remove(&n)) {
                t.delivered += 1;
                delays.lock().unwrap().push(due.elapsed());
            }
        }
    }
}

/// One candidate saving once a second until `until`; returns its last acknowledged save.
async fn type_for(
    base: String,
    pair: (reqwest::Client, i64, String),
    ticks: Arc<Mutex<Ticks>>,
    started: Instant,
    until: Instant,
    errors: Arc<std::sync::atomic::AtomicU64>,
) -> (i64, (i64, Vec<u8>), usize) {
    let (client, attempt, token) = pair;
    let (mut version, mut body, mut last, mut acked) = (0i64, String::new(), (0, Vec::new()), 0);
    for tick in 0u64.. {
        let due = started + Duration::from_secs(tick);
        if due > until {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        body.push_str(&format!(
            "tick {tick}: more on failover and RPO — ünïcødé. "
        ));
        ticks.lock().unwrap().due.insert(tick, due);
        let r = client
            .post(format!("{base}/attempts/{attempt}/steps/1/main/save"))
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
                acked += 1;
            }
            _ => {
                errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
    (attempt, last, acked)
}

/// The live phase: `LIVE_SESSIONS` sessions (default 100) for `SECONDS` seconds.
pub async fn run(base: &str, db_path: &str) {
    let sessions: usize = env("LIVE_SESSIONS", "100").parse().unwrap();
    let secs: u64 = env("SECONDS", "60").parse().unwrap();
    let opts = gauntlet::db::options_from_url(&format!("sqlite:{db_path}"))
        .unwrap()
        .read_only(true);
    let db = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    eprintln!("opening {sessions} live sessions …");
    let mut pairs = Vec::new();
    for i in 0..sessions {
        pairs.push(open_pair(base, &db, i).await);
    }
    let delays = Arc::new(Mutex::new(Vec::new()));
    let mut streams = Vec::new();
    let mut ticks = Vec::new();
    for p in &pairs {
        let t = Arc::new(Mutex::new(Ticks::default()));
        let console = format!("{base}/live/{}/events", p.session);
        let own = format!("{base}/attempts/{}/events", p.attempt);
        let d = delays.clone();
        streams.push(tokio::spawn(read_stream(
            p.interviewer.clone(),
            console,
            Some(t.clone()),
            d,
        )));
        let d = delays.clone();
        streams.push(tokio::spawn(read_stream(p.candidate.clone(), own, None, d)));
        ticks.push(t);
    }
    eprintln!(
        "{} subscribers open; typing once a second for {secs} s …",
        streams.len()
    );
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now() + Duration::from_millis(500);
    let until = started + Duration::from_secs(secs);
    let typists: Vec<_> = pairs
        .iter()
        .zip(&ticks)
        .enumerate()
        .map(|(i, (p, t))| {
            // spread the sessions over the second
            let start = started + Duration::from_secs(1).mul_f64(i as f64 / sessions as f64);
            let pair = (p.candidate.clone(), p.attempt, p.token.clone());
            tokio::spawn(type_for(
                base.to_string(),
                pair,
                t.clone(),
                start,
                until,
                errors.clone(),
            ))
        })
        .collect();
    let mut acked = Vec::new();
    let mut saves = 0;
    for t in typists {
        let (attempt, last, n) = t.await.unwrap();
        saves += n;
        acked.push((attempt, last));
    }
    // the last saves' events are on their way
    tokio::time::sleep(Duration::from_secs(2)).await;
    for s in streams {
        s.abort();
    }
    let delivered: usize = ticks.iter().map(|t| t.lock().unwrap().delivered).sum();
    let mut d = delays.lock().unwrap().clone();
    d.sort();
    let missing = missing_acked(&db, &acked).await;
    println!(
        "live: {sessions} sessions, {} subscribers, {secs} s: {saves} saves acknowledged, {} errors, {delivered} answer events on the consoles; delivery p50 {:?}, p99 {:?}, max {:?}; acknowledged saves missing: {missing}",
        2 * sessions,
        errors.load(std::sync::atomic::Ordering::Relaxed),
        percentile(&d, 0.5),
        percentile(&d, 0.99),
        d.last().copied().unwrap_or_default()
    );
}
