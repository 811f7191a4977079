//! Alignment speed: one ~300-word answer against one prepared round, and a review page of five
//! rounds plus the round-2 follow-up answer (guides prepared once, as the web layer caches
//! them, with the term weights a pinned version uses). Plain `harness = false` bench:
//! `cargo bench --bench align` prints median and p99 per case.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gauntlet::align::RoundGuide;
use gauntlet::content::parse::parse_gauntlet;
use gauntlet::content_store::pinned_stats;

const SEED: &str = include_str!("../content/multi-region-kubernetes.md");

/// About 300 words of answer text in the seed's vocabulary.
const ANSWER: &str = "I'd give every region its own Kubernetes cluster, for example us-east-1, \
eu-west-1 and ap-southeast-1, each running the full stack with API servers, workers and a local read \
replica. Latency-based DNS through Route 53 or a global load balancer such as Global Accelerator or \
Cloudflare sends users to the closest region. Writes go to one primary region and reads come from the \
local replica, so European and Asian writes pay cross-region latency of maybe 100-200ms. When the \
primary fails I'd promote the Aurora Global Database secondary; the RPO is around a second and the RTO \
a minute or two, plus DNS propagation of 30 to 60 seconds because of the TTL. I would not promise zero \
data loss with async replication, and I'd need to measure the replication lag under our write load. \
If the budget drops to $5k/month I'd replace replicas with a Redis cache per region with a five \
minute TTL and rely on daily backups to S3, accepting an RTO of 30-60 minutes and an RPO of up to a \
day, and I'd make sure the business signs off on that trade-off. For EU data residency I'd shard users \
by home region with an EU primary database, a geo-router in front of the data layer, and an audit of \
logs, backups and analytics pipelines; I'd involve legal counsel to validate the exact requirements. \
Multi-region is not worth it for a small team with users in one geography: a CDN plus multi-AZ in one \
region gives 99.95% availability for most businesses, and only SLAs above 99.99% or regulation justify \
doubling the infrastructure cost. Deployments roll out one region at a time with synthetic checks and \
error budget monitoring before promoting to the next region.";

/// A follow-up answer to the replication-lag question.
const FOLLOW_UP: &str = "Typically 50 to 200 ms for Aurora Global, so the RPO is about a second \
at worst, but I'd measure it under our own write throughput before promising anything, because \
replication is asynchronous and a burst of writes can stretch the lag.";

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let pick = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "{name:40} n={:6} median={:>9.1?} p99={:>9.1?} max={:>9.1?}",
        samples.len(),
        pick(0.5),
        pick(0.99),
        pick(1.0)
    );
}

fn main() {
    let g = match parse_gauntlet("multi-region-kubernetes.md", SEED) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("seed does not parse: {e:?}");
            std::process::exit(1);
        }
    };
    let words = ANSWER.split_whitespace().count();
    let stats = pinned_stats(&g);
    let guides: Vec<RoundGuide> = g
        .rounds
        .iter()
        .map(|r| RoundGuide::new(r, &stats))
        .collect();
    let iters = 2000;

    let mut one = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        black_box(guides[1].align(black_box(ANSWER)));
        one.push(t.elapsed());
    }
    report(&format!("align one round ({words} words)"), one);

    let mut page = Vec::with_capacity(iters);
    for _ in 0..iters {
        let t = Instant::now();
        for guide in &guides {
            black_box(guide.align(black_box(ANSWER)));
        }
        black_box(guides[1].align_follow_up(black_box(FOLLOW_UP)));
        page.push(t.elapsed());
    }
    report("review page: 5 rounds + follow-up", page);

    let mut cold = Vec::with_capacity(iters / 4);
    for _ in 0..iters / 4 {
        let t = Instant::now();
        for r in &g.rounds {
            black_box(RoundGuide::new(r, &stats).align(black_box(ANSWER)));
        }
        cold.push(t.elapsed());
    }
    report("review page: 5 rounds, guides built too", cold);
}
