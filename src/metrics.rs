//! Prometheus metrics through the `metrics` facade and its Prometheus exporter: request counts
//! and latencies by route template, and error counters. Every label value comes from a closed
//! set (method, route template, status code), so no client can add series.

use std::{sync::OnceLock, time::Duration};

use axum::http::Method;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

const REQUESTS: &str = "gauntlet_http_requests_total";
const LATENCY: &str = "gauntlet_http_request_duration_seconds";

/// The error counters that can be bumped.
#[derive(Debug, Clone, Copy)]
pub enum Counter {
    DbError,
    StorageFull,
    CsrfRejected,
    LoginFailed,
    LoginThrottled,
}

impl Counter {
    const ALL: [Self; 5] = [
        Self::DbError,
        Self::StorageFull,
        Self::CsrfRejected,
        Self::LoginFailed,
        Self::LoginThrottled,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::DbError => "gauntlet_db_errors_total",
            Self::StorageFull => "gauntlet_storage_full_total",
            Self::CsrfRejected => "gauntlet_csrf_rejections_total",
            Self::LoginFailed => "gauntlet_login_failures_total",
            Self::LoginThrottled => "gauntlet_login_throttled_total",
        }
    }

    fn help(self) -> &'static str {
        match self {
            Self::DbError => "Database errors.",
            Self::StorageFull => "Writes refused because the disk is full.",
            Self::CsrfRejected => "Unsafe requests rejected by the CSRF guard.",
            Self::LoginFailed => "Failed sign-in attempts.",
            Self::LoginThrottled => "Sign-in attempts refused by throttling.",
        }
    }
}

/// Bumps one of the error counters.
pub fn bump(counter: Counter) {
    metrics::counter!(counter.name()).increment(1);
}

/// The method as a label: the four a route can answer, everything else `OTHER`.
pub fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        _ => "OTHER",
    }
}

/// The process's exporter handle. The recorder is process-wide (the `metrics` macros write to
/// one global recorder), so every server started in one process shares it.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl Metrics {
    /// Installs the recorder on first use and returns the shared handle.
    pub fn shared() -> Self {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets_for_metric(Matcher::Full(LATENCY.to_string()), &BUCKETS)
                    .expect("the bucket list is not empty")
                    .build_recorder();
                let handle = recorder.handle();
                // another recorder installed first (a test harness): series then go there
                let _ = metrics::set_global_recorder(recorder);
                describe();
                handle
            })
            .clone();
        Self { handle }
    }

    /// Records one finished request. `route` is a route template or `unmatched`.
    pub fn observe(&self, method: &Method, route: &str, status: u16, elapsed: Duration) {
        let method = method_label(method);
        let route = route.to_string();
        metrics::counter!(REQUESTS, "method" => method, "route" => route.clone(), "status" => status.to_string())
            .increment(1);
        metrics::histogram!(LATENCY, "method" => method, "route" => route)
            .record(elapsed.as_secs_f64());
    }

    /// Drains recorded samples into the histograms; run it every few seconds so that samples
    /// never pile up between scrapes.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        self.handle.render()
    }
}

fn describe() {
    metrics::describe_counter!(REQUESTS, "HTTP requests by method, route and status.");
    metrics::describe_histogram!(
        LATENCY,
        metrics::Unit::Seconds,
        "Request latency by method and route."
    );
    for c in Counter::ALL {
        metrics::describe_counter!(c.name(), c.help());
        // every counter is present from the start, at zero
        metrics::counter!(c.name()).increment(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_histograms_with_bounded_labels() {
        let m = Metrics::shared();
        m.observe(&Method::GET, "/catalog", 200, Duration::from_millis(3));
        m.observe(&Method::GET, "/catalog", 200, Duration::from_millis(30));
        let odd = Method::from_bytes(b"FOOBAR123").unwrap();
        m.observe(&odd, "unmatched", 405, Duration::from_millis(1));
        bump(Counter::DbError);
        let text = m.render();
        assert!(text.contains(
            "gauntlet_http_requests_total{method=\"GET\",route=\"/catalog\",status=\"200\"}"
        ));
        assert!(text.contains("gauntlet_http_request_duration_seconds_bucket{method=\"GET\",route=\"/catalog\",le=\"0.005\"}"));
        assert!(text.contains("method=\"OTHER\",route=\"unmatched\",status=\"405\""));
        assert!(!text.contains("FOOBAR"));
        assert!(text.contains("gauntlet_db_errors_total "));
        assert!(text.contains("gauntlet_login_throttled_total "));
    }
}
