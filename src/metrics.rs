//! Prometheus metrics: request counts and latencies by route template, and error counters.
//! A tiny registry of our own: the few series we export do not justify a metrics framework.

use std::{
    collections::BTreeMap,
    fmt::Write as _,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Request series shared by all requests.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

// Error counters are process-wide so that code without the state (the error type) can count.
static DB_ERRORS: AtomicU64 = AtomicU64::new(0);
static STORAGE_FULL: AtomicU64 = AtomicU64::new(0);
static CSRF_REJECTIONS: AtomicU64 = AtomicU64::new(0);
static LOGIN_FAILURES: AtomicU64 = AtomicU64::new(0);
static THROTTLED_LOGINS: AtomicU64 = AtomicU64::new(0);

/// Bumps one of the error counters.
pub fn bump(counter: Counter) {
    let c = match counter {
        Counter::DbError => &DB_ERRORS,
        Counter::StorageFull => &STORAGE_FULL,
        Counter::CsrfRejected => &CSRF_REJECTIONS,
        Counter::LoginFailed => &LOGIN_FAILURES,
        Counter::LoginThrottled => &THROTTLED_LOGINS,
    };
    c.fetch_add(1, Ordering::Relaxed);
}

/// The error counters that can be bumped.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    DbError,
    StorageFull,
    CsrfRejected,
    LoginFailed,
    LoginThrottled,
}

impl Metrics {
    /// Records one finished request.
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        let s = map
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        s.count += 1;
        s.sum += secs;
        for (i, le) in BUCKETS.iter().enumerate() {
            if secs <= *le {
                s.buckets[i] += 1;
            }
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let map = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        out.push_str("# HELP gauntlet_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE gauntlet_http_requests_total counter\n");
        for ((m, r, st), s) in map.iter() {
            let _ = writeln!(
                out,
                "gauntlet_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                escape(r),
                s.count
            );
        }
        out.push_str("# HELP gauntlet_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE gauntlet_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((m, r, _), s) in map.iter() {
            let agg = by_route.entry((m, r)).or_default();
            agg.count += s.count;
            agg.sum += s.sum;
            for (a, b) in agg.buckets.iter_mut().zip(s.buckets.iter()) {
                *a += b;
            }
        }
        for ((m, r), s) in &by_route {
            let labels = format!("method=\"{m}\",route=\"{}\"", escape(r));
            for (le, n) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "gauntlet_http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "gauntlet_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "gauntlet_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "gauntlet_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(map);
        for (name, help, c) in [
            ("gauntlet_db_errors_total", "Database errors.", &DB_ERRORS),
            (
                "gauntlet_storage_full_total",
                "Writes refused because the disk is full.",
                &STORAGE_FULL,
            ),
            (
                "gauntlet_csrf_rejections_total",
                "Unsafe requests rejected by the CSRF guard.",
                &CSRF_REJECTIONS,
            ),
            (
                "gauntlet_login_failures_total",
                "Failed sign-in attempts.",
                &LOGIN_FAILURES,
            ),
            (
                "gauntlet_login_throttled_total",
                "Sign-in attempts refused by throttling.",
                &THROTTLED_LOGINS,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                c.load(Ordering::Relaxed)
            );
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_histograms() {
        let m = Metrics::default();
        m.observe("GET", "/catalog", 200, Duration::from_millis(3));
        m.observe("GET", "/catalog", 200, Duration::from_millis(30));
        bump(Counter::DbError);
        let text = m.render();
        assert!(text.contains(
            "gauntlet_http_requests_total{method=\"GET\",route=\"/catalog\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("gauntlet_db_errors_total "));
    }
}
