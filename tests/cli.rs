//! The `gauntlet` binary as an operator uses it: start-up rules for the database, graceful
//! shutdown with a request in flight, `user create`, and the content commands.

#[path = "common/mod.rs"]
mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_gauntlet");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/content");
/// The built-in seed gauntlet's Markdown.
const SEED_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/content/multi-region-kubernetes.md"
);

fn gauntlet(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir)
        .env_remove("GAUNTLET_DATABASE")
        .env("GAUNTLET_LOG", "info");
    c
}

/// Starts `gauntlet serve` on a free port and returns the child and its address.
fn serve(dir: &Path, db_args: &[&str]) -> (Child, String) {
    let (child, addr, _) = serve_with_log(dir, db_args, &[]);
    (child, addr)
}

/// Like `serve`, with extra `serve` arguments, also collecting the later log lines (JSON).
fn serve_with_log(
    dir: &Path,
    db_args: &[&str],
    serve_args: &[&str],
) -> (Child, String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    serve_with_log_level(dir, db_args, serve_args, "info")
}

/// `serve_with_log` with a `GAUNTLET_LOG` filter.
fn serve_with_log_level(
    dir: &Path,
    db_args: &[&str],
    serve_args: &[&str],
    level: &str,
) -> (Child, String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let mut child = gauntlet(dir)
        .env("GAUNTLET_LOG", level)
        .args(db_args)
        .args(["--log-json", "serve", "--bind", "127.0.0.1:0"])
        .args(serve_args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        assert!(
            Instant::now() < deadline,
            "server did not report its address"
        );
        let line = lines.next().expect("log line").expect("utf-8 log");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["fields"]["message"] == "listening" {
            break v["fields"]["addr"].as_str().unwrap().to_string();
        }
    };
    let log = std::sync::Arc::new(std::sync::Mutex::new(vec![format!("listening on {addr}")]));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    (child, addr, log)
}

/// Creates an account in `g.db` (created if missing) through `gauntlet user create`.
fn create_account(dir: &Path, email: &str, role: &str, password: &str) {
    let mut create = gauntlet(dir)
        .args([
            "--database",
            "g.db",
            "--create-database",
            "user",
            "create",
            "--email",
            email,
            "--role",
            role,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = create.stdin.take().unwrap();
    stdin.write_all(format!("{password}\n").as_bytes()).unwrap();
    drop(stdin);
    assert!(create.wait().unwrap().success(), "create {email}");
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "process did not exit in time");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn http_get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn serve_creates_the_default_database_and_refuses_a_missing_explicit_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = gauntlet(dir.path())
        .args(["--database", "typo.db", "serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("typo.db") && err.contains("--create-database"),
        "{err}"
    );
    assert!(!dir.path().join("typo.db").exists());

    let (mut child, addr) = serve(dir.path(), &[]);
    assert!(
        dir.path().join("gauntlet.db").exists(),
        "default database created"
    );
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut child, Duration::from_secs(25)).success());
}

#[test]
fn a_corrupt_database_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("broken.db");
    std::fs::write(&db, vec![b'x'; 8192]).unwrap();
    let out = gauntlet(dir.path())
        .args([
            "--database",
            db.to_str().unwrap(),
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.db"), "{err}");
}

#[test]
fn sigterm_lets_an_in_flight_request_finish() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = serve(dir.path(), &["--database", "g.db", "--create-database"]);

    // a session and CSRF token, so the sign-in request is processed, not refused up front
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    s.read_to_string(&mut page).unwrap();
    let cookie = common::cookie_pair(
        page.lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .expect("a cookie for the form"),
    )
    .to_string();
    let token = common::csrf_from(&page);

    let body = format!("_csrf={token}&email=nobody%40team.example&password=not+the+password");
    let (first, rest) = body.split_at(body.len() / 2);
    let mut inflight = TcpStream::connect(&addr).unwrap();
    write!(
        inflight,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    inflight.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "still draining the in-flight request"
    );

    inflight.write_all(rest.as_bytes()).unwrap();
    let mut resp = String::new();
    inflight.read_to_string(&mut resp).unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 401"),
        "the request completed: {}",
        &resp[..resp.len().min(200)]
    );
    assert!(resp.contains("do not match an active account"));
    assert!(wait_exit(&mut child, Duration::from_secs(25)).success());
}

#[test]
fn user_create_reads_the_password_from_stdin_and_refuses_weak_ones() {
    let dir = tempfile::tempdir().unwrap();
    let run = |email: &str, pw: &str| {
        let mut child = gauntlet(dir.path())
            .args([
                "--database",
                "g.db",
                "--create-database",
                "user",
                "create",
                "--email",
                email,
                "--role",
                "interviewer",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(pw.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = run("iris@team.example", "quiet meadow lantern\n");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("created interviewer iris@team.example"));
    let dup = run("iris@team.example", "quiet meadow lantern\n");
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
    let weak = run("weak@team.example", "short\n");
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("at least 12 characters"));
}

#[test]
fn user_create_at_a_terminal_asks_twice_without_echo() {
    // `script` gives the command a pseudo-terminal, as when a person types the command
    let dir = tempfile::tempdir().unwrap();
    let cmd = format!(
        "{BIN} --database g.db --create-database user create --email tty@team.example --role admin"
    );
    let mut child = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(dir.path())
        .env_remove("GAUNTLET_DATABASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux runs");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            let _ = tx.send(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    let mut seen = String::new();
    let wait_for = |what: &str, seen: &mut String| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !seen.contains(what) {
            assert!(Instant::now() < deadline, "never saw {what:?} in {seen:?}");
            if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
                seen.push_str(&chunk);
            }
        }
    };
    wait_for("Password (12", &mut seen);
    // the prompt is written just before echo is switched off: give it a moment
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"tidal meadow lantern\n").unwrap();
    wait_for("Same password again", &mut seen);
    std::thread::sleep(Duration::from_millis(300));
    stdin.write_all(b"tidal meadow lantern\n").unwrap();
    wait_for("created admin tty@team.example", &mut seen);
    assert!(wait_exit(&mut child, Duration::from_secs(20)).success());
    assert!(
        !seen.contains("tidal meadow"),
        "the password was echoed: {seen:?}"
    );
    // the account exists: the piped form refuses a second one with the same email
    let mut dup = gauntlet(dir.path())
        .args([
            "--database",
            "g.db",
            "user",
            "create",
            "--email",
            "tty@team.example",
            "--role",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    dup.stdin
        .take()
        .unwrap()
        .write_all(b"another long phrase\n")
        .unwrap();
    let dup = dup.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}

#[test]
fn a_port_already_in_use_names_the_address_and_suggests_bind() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = gauntlet(dir.path())
        .args(["serve", "--bind", &addr])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot listen on {addr}"))
            && err.contains("already in use")
            && err.contains("--bind"),
        "{err}"
    );
}

#[test]
fn content_check_explains_every_error_with_file_and_line_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let broken = format!("{FIXTURES}/errors/many-errors.md");
    let out = gauntlet(dir.path())
        .args(["content", "check", &broken])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.len() >= 3,
        "all errors of the file, not only the first: {stdout}"
    );
    for l in &lines {
        let rest = l
            .strip_prefix(&format!("{broken}:"))
            .unwrap_or_else(|| panic!("file:line form: {l}"));
        let (line, msg) = rest.split_once(": ").unwrap();
        assert!(line.parse::<usize>().is_ok() && !msg.is_empty(), "{l}");
    }

    let good = gauntlet(dir.path())
        .args([
            "content",
            "check",
            &format!("{FIXTURES}/valid"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/content"),
        ])
        .output()
        .unwrap();
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
    assert!(String::from_utf8_lossy(&good.stderr).contains("no errors"));
}

#[test]
fn content_show_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let out = gauntlet(dir.path())
        .args(["content", "show", SEED_FILE, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["slug"], "multi-region-kubernetes");
    assert_eq!(v["title"], "Multi-Region Kubernetes Deployment");
    assert_eq!(v["category"], "System Design");
    assert_eq!(
        v["domains"],
        serde_json::json!(["Kubernetes", "Networking"])
    );
    let rounds = v["rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 5);
    assert!(
        rounds[0]["prompt"]
            .as_str()
            .unwrap()
            .starts_with("Design a multi-region")
    );
    assert!(
        rounds[1]["follow_up"]
            .as_str()
            .unwrap()
            .contains("replication lag")
    );
    let sec = &rounds[0]["sections"][0];
    assert_eq!(sec["label"], "Strong Answer");
    assert!(sec["text"].is_string() && sec["items"].is_array());
    assert_eq!(v["skills"].as_array().unwrap().len(), 5);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "category",
            "difficulty",
            "domains",
            "duration",
            "extras",
            "rounds",
            "skills",
            "slug",
            "title",
            "version"
        ]
    );
}

#[test]
fn content_import_turns_page_text_into_markdown_that_parses_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = gauntlet(dir.path())
        .args([
            "content",
            "import",
            &format!("{FIXTURES}/valid/minimal.txt"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let md_path = dir.path().join("minimal.md");
    std::fs::write(&md_path, &out.stdout).unwrap();
    let show = |p: &str| {
        let o = gauntlet(dir.path())
            .args(["content", "show", p, "--json"])
            .output()
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object_mut().unwrap().remove("version");
        v
    };
    assert_eq!(
        show(md_path.to_str().unwrap()),
        show(&format!("{FIXTURES}/valid/minimal.md"))
    );
}

#[test]
fn align_prints_the_report_for_one_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = gauntlet(dir.path())
        .args([
            "align",
            "--gauntlet",
            SEED_FILE,
            "--round",
            "2",
            "--answer",
            "-",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // two claims: the first covers points, the second is a red flag (and covers nothing)
    let answer = "We promote the Aurora Global Database secondary. We accept zero data loss.";
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answer.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let coverage = v["coverage"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&coverage));
    assert!(
        v["points"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["covered"] == true)
    );
    let flag = &v["red_flags"].as_array().unwrap()[0];
    let [start, end] = [&flag["answer_spans"][0][0], &flag["answer_spans"][0][1]]
        .map(|x| x.as_u64().unwrap() as usize);
    assert_eq!(&answer[start..end].to_lowercase(), "zero data loss");

    let missing = gauntlet(dir.path())
        .args([
            "align",
            "--gauntlet",
            SEED_FILE,
            "--round",
            "9",
            "--answer",
            "-",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("has no round 9"));
}

#[test]
fn align_eval_prints_the_quality_numbers_of_a_dev_set() {
    let dir = tempfile::tempdir().unwrap();
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/align/dev.jsonl"
    );
    let out = gauntlet(dir.path())
        .args(["align", "eval", file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for label in [
        "AUC strong vs weak+off-topic",
        "AUC strong vs partial",
        "full ordering per round",
        "bluff detection",
        "false flags on strong answers",
        "misses",
    ] {
        assert!(text.contains(label), "{label} missing in:\n{text}");
    }

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"gauntlet\": \"x\"}\n").unwrap();
    let out = gauntlet(dir.path())
        .args(["align", "eval", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    // `gauntlet content show … | head -0`: the pipe is closed before the first line
    let mut child = gauntlet(dir.path())
        .args(["content", "show", SEED_FILE])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn backup_copies_a_live_database_consistently_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    let (mut server, addr) = serve(dir.path(), &["--database", "g.db"]);
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));

    let out = gauntlet(dir.path())
        .args(["--database", "g.db", "backup", "copy.db"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(", 1 user, 0 attempts; integrity ok") && !said.contains("1 users"),
        "{said}"
    );
    assert!(!dir.path().join("copy.db.tmp").exists());

    // the copy is a complete database: the site starts on it and the account is there
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut server, Duration::from_secs(25)).success());
    let again = gauntlet(dir.path())
        .args(["--database", "g.db", "backup", "copy.db"])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    let (mut restored, addr) = serve(dir.path(), &["--database", "copy.db"]);
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    Command::new("kill")
        .args(["-TERM", &restored.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut restored, Duration::from_secs(25)).success());
    let users = gauntlet(dir.path())
        .args(["--database", "copy.db", "export"])
        .output()
        .unwrap();
    assert!(
        users.status.success(),
        "{}",
        String::from_utf8_lossy(&users.stderr)
    );
}

/// Signs in over plain HTTP and returns a cookie-keeping client.
async fn signed_in_client(base: &str, email: &str, password: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = common::csrf_from(&page);
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign in");
    client
}

#[test]
fn t50_kill_9_during_a_burst_of_autosaves_loses_no_acknowledged_save() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "cai@team.example",
        "candidate",
        "quiet meadow lantern",
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    const WRITERS: usize = 4;
    for iteration in 0..10 {
        let (mut server, addr) = serve(dir.path(), &["--database", "g.db"]);
        let base = format!("http://{addr}");
        let (client, attempts) = rt.block_on(async {
            let client = signed_in_client(&base, "cai@team.example", "quiet meadow lantern").await;
            let mut attempts = Vec::new();
            for _ in 0..WRITERS {
                let page = client
                    .get(format!("{base}/gauntlets/multi-region-kubernetes"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let r = client
                    .post(format!("{base}/gauntlets/multi-region-kubernetes/attempts"))
                    .form(&[
                        ("_csrf", common::csrf_from(&page).as_str()),
                        ("mode", "interview"),
                    ])
                    .send()
                    .await
                    .unwrap();
                let id: i64 = r.headers()["location"]
                    .to_str()
                    .unwrap()
                    .trim_start_matches("/attempts/")
                    .parse()
                    .unwrap();
                client
                    .get(format!("{base}/attempts/{id}"))
                    .send()
                    .await
                    .unwrap();
                attempts.push(id);
            }
            (client, attempts)
        });
        let token = rt.block_on(async {
            common::csrf_from(
                &client
                    .get(format!("{base}/"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap(),
            )
        });
        // writers save as fast as they can; each remembers what the server acknowledged
        let acked =
            std::sync::Arc::new(std::sync::Mutex::new(vec![(0i64, String::new()); WRITERS]));
        let handles: Vec<_> = attempts
            .iter()
            .enumerate()
            .map(|(w, id)| {
                let (client, base, token, acked, id) = (
                    client.clone(),
                    base.clone(),
                    token.clone(),
                    acked.clone(),
                    *id,
                );
                rt.spawn(async move {
                    let mut version = 0i64;
                    for seq in 1.. {
                        let body = format!("writer {w} save {seq} ") + &"ünïcødé ".repeat(seq % 50);
                        let sent = client
                            .post(format!("{base}/attempts/{id}/steps/1/main/save"))
                            .header("x-csrf-token", &token)
                            .header("accept", "application/json")
                            .form(&[
                                ("body", body.as_str()),
                                ("base_version", &version.to_string()),
                            ])
                            .send()
                            .await;
                        let Ok(resp) = sent else { break };
                        if resp.status() != 200 {
                            break;
                        }
                        let Ok(v) = resp.json::<serde_json::Value>().await else {
                            break;
                        };
                        version = v["version"].as_i64().unwrap();
                        acked.lock().unwrap()[w] = (version, body);
                    }
                })
            })
            .collect();
        let delay = 500 + (iteration * 173) % 1500;
        std::thread::sleep(Duration::from_millis(delay as u64));
        Command::new("kill")
            .args(["-KILL", &server.id().to_string()])
            .status()
            .unwrap();
        let _ = server.wait();
        rt.block_on(async {
            for h in handles {
                let _ = h.await;
            }
        });

        // restart on the same file: every acknowledged save is there, and the session survived
        let (mut server, addr) = serve(dir.path(), &["--database", "g.db"]);
        let base = format!("http://{addr}");
        rt.block_on(async {
            let opts = gauntlet::db::options_from_url(&format!("sqlite:{}", dir.path().join("g.db").display())).unwrap();
            let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
            let check: String = sqlx::query_scalar("pragma integrity_check").fetch_one(&pool).await.unwrap();
            assert_eq!(check, "ok", "iteration {iteration}");
            let acked = acked.lock().unwrap().clone();
            for (w, id) in attempts.iter().enumerate() {
                let (body, version): (String, i64) = sqlx::query_as("select body, version from answers where attempt_id = ? and part = 'main'")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                let (acked_version, acked_body) = &acked[w];
                assert!(version >= *acked_version, "iteration {iteration} writer {w}: stored v{version} < acknowledged v{acked_version}");
                if version == *acked_version {
                    assert_eq!(&body, acked_body, "iteration {iteration} writer {w}");
                } else {
                    assert!(body.starts_with(&format!("writer {w} save ")), "no torn or mixed text");
                }
            }
            pool.close().await;
            let page = client.get(format!("{base}/attempts/{}", attempts[0])).send().await.unwrap();
            assert_eq!(page.status(), 200, "existing cookies still work after the crash");
        });
        Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap();
        assert!(wait_exit(&mut server, Duration::from_secs(25)).success());
    }
}

#[test]
fn sighup_reloads_the_content_folder() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("team-content");
    std::fs::create_dir(&content).unwrap();
    std::fs::copy(
        format!("{FIXTURES}/valid/minimal.md"),
        content.join("first.md"),
    )
    .unwrap();
    let (mut server, addr, log) = serve_with_log(
        dir.path(),
        &["--database", "g.db", "--create-database"],
        &["--content", content.to_str().unwrap()],
    );
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    let minimal = std::fs::read_to_string(format!("{FIXTURES}/valid/minimal.md")).unwrap();
    std::fs::write(content.join("second.md"), minimal).unwrap();
    std::fs::write(content.join("broken.md"), "no title here\n").unwrap();
    Command::new("kill")
        .args(["-HUP", &server.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let reloaded = loop {
        let found = log.lock().unwrap().iter().find_map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).ok()?;
            (v["fields"]["message"] == "content reloaded (SIGHUP)").then(|| v["fields"].clone())
        });
        if let Some(f) = found {
            break f;
        }
        assert!(Instant::now() < deadline, "no reload logged");
        std::thread::sleep(Duration::from_millis(50));
    };
    let built_in = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/content"))
        .unwrap()
        .count() as u64;
    assert_eq!(reloaded["gauntlets"], built_in + 2, "{reloaded}");
    assert_eq!(reloaded["broken_files"], 1);
    assert!(
        http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"),
        "still serving"
    );
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut server, Duration::from_secs(25)).success());
}

#[test]
fn t22_no_password_session_id_csrf_token_or_answer_text_reaches_the_log() {
    const PASSWORD: &str = "LOG-CANARY-secret 9f2c";
    const WRONG: &str = "LOG-CANARY-wrong 77a1";
    const ANSWER: &str = "ANSWER-CANARY-lena 5d1e";
    let dir = tempfile::tempdir().unwrap();
    create_account(dir.path(), "lena@team.example", "candidate", PASSWORD);
    // debug is more than production logs (info, with tower_sessions and sqlx at warn)
    let (mut server, addr, log) =
        serve_with_log_level(dir.path(), &["--database", "g.db"], &[], "debug");
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let secrets = rt.block_on(async {
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        // links that carry a secret in their path (setup and invite links)
        for kind in ["setup", "invite"] {
            let r = c
                .get(format!("{base}/{kind}/TOKEN-CANARY-{kind}-3b9d"))
                .send()
                .await
                .unwrap();
            assert!(r.status().is_client_error(), "{kind}: {}", r.status());
        }
        let page = c.get(format!("{base}/login")).send().await.unwrap();
        let pre = common::set_visitor_cookie(&page).expect("the visitor cookie");
        let pre_token = common::csrf_from(&page.text().await.unwrap());
        let form = |pw: &'static str, token: &str| {
            vec![
                ("_csrf", token.to_string()),
                ("email", "lena@team.example".to_string()),
                ("password", pw.to_string()),
            ]
        };
        let r = c
            .post(format!("{base}/login"))
            .header("cookie", &pre)
            .form(&form(WRONG, &pre_token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = c
            .post(format!("{base}/login"))
            .header("cookie", &pre)
            .form(&form(PASSWORD, &pre_token))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let sid = common::cookie_pair(&common::set_session_cookie(&r).expect("the session cookie"))
            .to_string();
        let get = |url: String| {
            let c = c.clone();
            let sid = sid.clone();
            async move {
                c.get(url)
                    .header("cookie", sid)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let home = get(format!("{base}/")).await;
        let token = common::csrf_from(&home);
        // the token appears in pages only as a form field's value, never in a URL
        for page in [
            &home,
            &get(format!("{base}/gauntlets/multi-region-kubernetes")).await,
        ] {
            assert_eq!(
                page.matches(token.as_str()).count(),
                page.matches(&format!("value=\"{token}\"")).count()
            );
        }
        let r = c
            .post(format!("{base}/gauntlets/multi-region-kubernetes/attempts"))
            .header("cookie", &sid)
            .form(&[("_csrf", token.as_str()), ("mode", "interview")])
            .send()
            .await
            .unwrap();
        let attempt = r.headers()["location"].to_str().unwrap().to_string();
        let save = format!("{base}{attempt}/steps/1/main/save");
        // an autosave (header token), a form save (body token), a refused one and a 422
        let r = c
            .post(&save)
            .header("cookie", &sid)
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .form(&[("body", ANSWER), ("base_version", "0")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .post(&save)
            .header("cookie", &sid)
            .form(&[
                ("_csrf", token.as_str()),
                ("body", &format!("{ANSWER} again")),
                ("base_version", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let r = c
            .post(&save)
            .header("cookie", &sid)
            .header("x-csrf-token", &pre_token)
            .form(&[("body", ANSWER), ("base_version", "2")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = c
            .post(&save)
            .header("cookie", &sid)
            .header("x-csrf-token", &token)
            .form(&[
                ("body", format!("{ANSWER}\u{0}")),
                ("base_version", "2".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = c
            .post(format!("{base}/logout"))
            .header("cookie", &sid)
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303);
        let value = |cookie: &str| cookie.split_once('=').unwrap().1.to_string();
        vec![
            PASSWORD.to_string(),
            WRONG.to_string(),
            ANSWER.to_string(),
            "ANSWER-CANARY".to_string(),
            "LOG-CANARY".to_string(),
            "TOKEN-CANARY".to_string(),
            value(&pre),
            value(&sid),
            pre_token,
            token,
        ]
    });
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut server, Duration::from_secs(25)).success());
    std::thread::sleep(Duration::from_millis(200));
    let lines = log.lock().unwrap().clone();
    let all = lines.join("\n");
    for needle in [
        "signed in",
        "sign-in failed",
        "csrf rejection",
        "database closed",
    ] {
        assert!(
            all.contains(needle),
            "the log lacks {needle:?}; was it captured?\n{all}"
        );
    }
    for secret in &secrets {
        let hits: Vec<&String> = lines
            .iter()
            .filter(|l| l.contains(secret.as_str()))
            .collect();
        assert!(hits.is_empty(), "{secret:?} is in the log: {hits:?}");
    }
    // tokens never travel in URLs: no route takes one in its query string, and every form
    // that carries the CSRF field is a POST
    for spec in gauntlet::web::routes::specs() {
        assert!(!spec.path.contains('?'), "{}", spec.path);
    }
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates"
    ))];
    let mut forms = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let html = std::fs::read_to_string(&path).unwrap();
            for form in html.split("<form").skip(1) {
                let form = &form[..form.find("</form>").unwrap_or(form.len())];
                if form.contains("_csrf") {
                    forms += 1;
                    let tag = &form[..form.find('>').unwrap()];
                    assert!(
                        tag.contains("method=\"post\""),
                        "{}: a form with the CSRF field that is not a POST",
                        path.display()
                    );
                }
            }
            assert!(!html.contains("_csrf="), "{}", path.display());
        }
    }
    assert!(forms >= 10);
}

#[test]
fn t45_the_reference_on_an_error_page_is_the_log_lines_and_only_the_log_has_details() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ops@team.example",
        "admin",
        "quiet meadow lantern",
    );
    let (mut server, addr, log) = serve_with_log(dir.path(), &["--database", "g.db"], &[]);
    // break the database behind the server's back
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let url = format!("sqlite:{}", dir.path().join("g.db").display());
        let pool = sqlx::SqlitePool::connect_with(gauntlet::db::options_from_url(&url).unwrap())
            .await
            .unwrap();
        sqlx::query("drop table settings")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
    let page = http_get(&addr, "/login");
    assert!(page.starts_with("HTTP/1.1 500"), "{page}");
    let marker = "Reference: <code>";
    let at = page.find(marker).expect("a reference on the page") + marker.len();
    let reference = &page[at..at + page[at..].find('<').unwrap()];
    assert_eq!(reference.len(), 16);
    assert!(!page.contains("no such table") && !page.contains("sqlx"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let found = log
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(reference))
            .cloned();
        if let Some(l) = found {
            break l;
        }
        assert!(Instant::now() < deadline, "no log line with {reference}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["level"], "ERROR");
    assert_eq!(v["fields"]["correlation"], reference);
    assert!(
        line.contains("no such table"),
        "the details are in the log: {line}"
    );
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut server, Duration::from_secs(25)).success());
}

#[test]
fn t56_t57_wrong_current_passwords_are_logged_and_trusted_proxies_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let password = "harbour lamp tessellated";
    create_account(dir.path(), "ines@team.example", "candidate", password);
    let mut child = gauntlet(dir.path())
        .env("GAUNTLET_TRUSTED_PROXY", "10.0.0.0/8,127.0.0.1")
        .args([
            "--database",
            "g.db",
            "--log-json",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .args(["--login-per-minute", "1"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().expect("log line").expect("utf-8 log");
        let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if v["fields"]["message"] == "listening" {
            break v["fields"]["addr"].as_str().unwrap().to_string();
        }
    };
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let base = format!("http://{addr}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // a successful sign-in does not use up the one failure a minute allowed here
        let c = signed_in_client(&base, "ines@team.example", password).await;
        let change = |current: &'static str| {
            let c = c.clone();
            let base = base.clone();
            async move {
                let page = c
                    .get(format!("{base}/account/password"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                c.post(format!("{base}/account/password"))
                    .form(&[
                        ("_csrf", common::csrf_from(&page).as_str()),
                        ("current", current),
                        ("password", "a brand new passphrase"),
                        ("confirm", "a brand new passphrase"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(change("wrong current password").await, 422);
        assert_eq!(change("wrong current password").await, 429);
        // behind the trusted proxy (the loopback peer), the forwarded client has its own budget
        let other = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = other
            .get(format!("{base}/login"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let r = other
            .post(format!("{base}/login"))
            .header("x-forwarded-for", "203.0.113.77")
            .form(&[
                ("_csrf", common::csrf_from(&page).as_str()),
                ("email", "ines@team.example"),
                ("password", "wrong password again"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    });
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(wait_exit(&mut child, Duration::from_secs(25)).success());
    std::thread::sleep(Duration::from_millis(200));
    let lines = log.lock().unwrap().clone();
    let find = |message: &str| -> serde_json::Value {
        lines
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|v| v["fields"]["message"] == message)
            .unwrap_or_else(|| panic!("no {message:?} line in\n{}", lines.join("\n")))
    };
    let wrong = find("password change: current password wrong");
    assert_eq!(wrong["fields"]["ip"], "127.0.0.1");
    assert!(wrong["fields"]["user"].is_number());
    find("password check throttled");
    let failed = find("sign-in failed");
    assert_eq!(failed["fields"]["ip"], "203.0.113.77");
    assert!(
        !lines.join("\n").contains(password),
        "no password in the log"
    );
}

/// The permission bits of a file.
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs a command to its end, returning (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Stops a served child with SIGTERM and waits for it.
fn stop(mut child: Child) {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(25));
    assert!(status.success(), "{status}");
}

/// Writes a database at `path` that has every migration but the newest applied (as an older
/// release left it), with one account in it.
fn database_one_migration_behind(path: &Path) -> i64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let all = gauntlet::db::schema::MIGRATOR.migrations.to_vec();
        let older = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(all[..all.len() - 1].to_vec()),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        let opts = gauntlet::db::connect_options(path, gauntlet::db::Create::IfMissing)
            .foreign_keys(false);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        older.run(&pool).await.unwrap();
        sqlx::query(
            "insert into users (email, display_name, password_hash, role, created_at, updated_at)
             values ('old@team.example', 'Old', 'x', 'admin', 0, 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        all[all.len() - 2].version
    })
}

/// Runs one SQL statement against a database file.
fn sql(path: &Path, statement: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let opts = gauntlet::db::connect_options(path, gauntlet::db::Create::Never);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::query(statement).execute(&pool).await.unwrap();
        pool.close().await;
    });
}

#[test]
fn t71_the_database_its_wal_backups_and_pre_upgrade_copies_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    // under the usual umask (022) new files would be 0644
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    let (server, addr) = serve(dir.path(), &["--database", "g.db"]);
    assert!(http_get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    for name in ["g.db", "g.db-wal", "g.db-shm"] {
        assert_eq!(mode_of(&dir.path().join(name)), 0o600, "{name}");
    }
    let (ok, _, err) = run(gauntlet(dir.path()).args(["--database", "g.db", "backup", "copy.db"]));
    assert!(ok, "{err}");
    assert_eq!(mode_of(&dir.path().join("copy.db")), 0o600);
    std::fs::create_dir(dir.path().join("daily")).unwrap();
    let (ok, _, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "backup",
        "--dir",
        "daily",
        "--keep",
        "3",
    ]));
    assert!(ok, "{err}");
    for entry in std::fs::read_dir(dir.path().join("daily")).unwrap() {
        assert_eq!(mode_of(&entry.unwrap().path()), 0o600);
    }
    stop(server);

    // the copy taken before an upgrade
    let old = dir.path().join("old.db");
    database_one_migration_behind(&old);
    let (ok, _, err) = run(gauntlet(dir.path()).args(["--database", "old.db", "migrate"]));
    assert!(ok, "{err}");
    let copies: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("old.db.schema-"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    assert_eq!(mode_of(&copies[0]), 0o600);
}

#[test]
fn t76_a_database_newer_than_the_binary_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    let latest = gauntlet::db::schema::known().last().unwrap().version;
    sql(
        &dir.path().join("g.db"),
        "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
         values (99991231000000, 'from a newer release', 1, x'00', 0)",
    );
    let mut child = gauntlet(dir.path())
        .args(["--database", "g.db", "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = wait_exit(&mut child, Duration::from_secs(30));
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success());
    assert!(err.contains("99991231000000"), "{err}");
    assert!(err.contains(&latest.to_string()), "{err}");
    assert!(err.contains("newer release"), "{err}");
    // nothing was copied or migrated, and the other commands refuse it the same way
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".schema-")
    }));
    let (ok, out, err) =
        run(gauntlet(dir.path()).args(["--database", "g.db", "migrate", "--check"]));
    assert!(!ok);
    assert!(err.contains("99991231000000"), "{out}{err}");
    // a backup copies it as it is (it never migrates), so the newer release can use the copy
    let (ok, _, err) = run(gauntlet(dir.path()).args(["--database", "g.db", "backup", "x.db"]));
    assert!(ok, "{err}");
    let (ok, _, err) = run(gauntlet(dir.path()).args(["--database", "x.db", "migrate", "--check"]));
    assert!(!ok && err.contains("99991231000000"), "{err}");
}

#[test]
fn t77_pending_migrations_are_listed_then_applied_after_a_copy_named_with_the_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    let old_version = database_one_migration_behind(&db);
    let newest = gauntlet::db::schema::known().last().unwrap().clone();

    let (ok, out, err) =
        run(gauntlet(dir.path()).args(["--database", "old.db", "migrate", "--check"]));
    assert!(!ok, "pending migrations exit 1: {out}{err}");
    assert!(
        out.contains(&format!("pending {}", newest.version)),
        "{out}"
    );
    assert!(out.contains(&old_version.to_string()), "{out}");
    // neither --check nor a backup applied anything
    let (ok, _, err) = run(gauntlet(dir.path()).args(["--database", "old.db", "backup", "b.db"]));
    assert!(ok, "{err}");
    let (ok, out, _) =
        run(gauntlet(dir.path()).args(["--database", "old.db", "migrate", "--check"]));
    assert!(!ok && out.contains("pending"));

    // start the site on it; collect the log up to "listening"
    let mut child = gauntlet(dir.path())
        .args([
            "--database",
            "old.db",
            "--log-json",
            "serve",
            "--bind",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut early = Vec::new();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.contains("\"listening\"");
        early.push(line);
        if done {
            break;
        }
    }
    // keep reading, so the server never writes to a closed pipe
    let drain = std::thread::spawn(move || lines.map_while(Result::ok).count());
    stop(child);
    drain.join().unwrap();
    let copy_name = format!("old.db.schema-{old_version}-");
    let copies: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&copy_name) && n.ends_with(".bak"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let said = early
        .iter()
        .find(|l| l.contains("upgrading the database schema"))
        .unwrap_or_else(|| panic!("no upgrade line in {early:?}"));
    assert!(said.contains(&copies[0]), "{said}");
    assert!(said.contains(&newest.version.to_string()), "{said}");
    let (ok, out, _) =
        run(gauntlet(dir.path()).args(["--database", "old.db", "migrate", "--check"]));
    assert!(ok, "nothing pending after the start: {out}");
    assert!(out.contains("no pending migrations"), "{out}");

    // the copy is the old schema with the data: checking it lists the newest as pending
    let (ok, out, _) =
        run(gauntlet(dir.path()).args(["--database", &copies[0], "migrate", "--check"]));
    assert!(
        !ok && out.contains(&format!("pending {}", newest.version)),
        "{out}"
    );
    let (ok, out, _) = run(gauntlet(dir.path()).args(["--database", "old.db", "export"]));
    assert!(ok, "{out}");
}

#[test]
fn t78_backup_rotation_keeps_the_newest_n_and_never_deletes_files_it_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    let daily = dir.path().join("daily");
    std::fs::create_dir(&daily).unwrap();
    // four older dated backups, and files that only look like backups
    let old = [
        "gauntlet-20200101T030000Z.db",
        "gauntlet-20200102T030000Z.db",
        "gauntlet-20200103T030000Z.db",
        "gauntlet-20200104T030000Z.db",
    ];
    let foreign = [
        "gauntlet.db",
        "gauntlet-20190101T030000Z.db.tmp",
        "gauntlet-20190101T030000Z.db-wal",
        "gauntlet-2019-01-01.db",
        "notes-20190101T030000Z.db",
        "GAUNTLET-20190101T030000Z.db",
        "README",
    ];
    for name in old.iter().chain(&foreign) {
        std::fs::write(daily.join(name), b"not ours to judge").unwrap();
    }
    // a folder named like a backup is not a backup either
    std::fs::create_dir(daily.join("gauntlet-20180101T030000Z.db")).unwrap();

    let (ok, out, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "backup",
        "--dir",
        "daily",
        "--keep",
        "3",
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("integrity ok"), "{out}");
    let mut names: Vec<String> = std::fs::read_dir(&daily)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let dated: Vec<&String> = names
        .iter()
        .filter(|n| gauntlet::db::backup::is_dated_name(n) && daily.join(n).is_file())
        .collect();
    assert_eq!(dated.len(), 3, "{names:?}");
    // the two oldest went, the newest two old ones and today's copy stayed
    assert!(!names.contains(&old[0].to_string()) && !names.contains(&old[1].to_string()));
    assert!(names.contains(&old[2].to_string()) && names.contains(&old[3].to_string()));
    assert!(out.contains(old[0]) && out.contains(old[1]), "{out}");
    for f in foreign {
        assert!(names.contains(&f.to_string()), "{f} was deleted: {names:?}");
    }
    assert!(daily.join("gauntlet-20180101T030000Z.db").is_dir());
    // today's copy is a complete database
    let today = dated.last().unwrap();
    let (ok, out, err) = run(gauntlet(dir.path()).args([
        "--database",
        &format!("daily/{today}"),
        "migrate",
        "--check",
    ]));
    assert!(ok, "{out}{err}");

    // --keep needs --dir and at least 1; a named path still works as before
    let (ok, _, _) =
        run(gauntlet(dir.path()).args(["--database", "g.db", "backup", "--keep", "2"]));
    assert!(!ok);
    let (ok, _, _) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "backup",
        "--dir",
        "daily",
        "--keep",
        "0",
    ]));
    assert!(!ok);
    let (ok, out, err) =
        run(gauntlet(dir.path()).args(["--database", "g.db", "backup", "named.db"]));
    assert!(ok && out.contains("named.db"), "{err}");
}

#[test]
fn t74_the_last_admin_cannot_be_deleted_and_a_script_must_say_yes() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    create_account(
        dir.path(),
        "cy@team.example",
        "candidate",
        "river stone lantern",
    );
    let db = dir.path().join("g.db");
    // without --yes and without a terminal: refused, nothing deleted
    let (ok, _, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "user",
        "delete",
        "--email",
        "cy@team.example",
    ]));
    assert!(!ok);
    assert!(
        err.contains("--yes") && err.contains("not a terminal"),
        "{err}"
    );
    let (ok, _, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "user",
        "delete",
        "--email",
        "ana@team.example",
        "--yes",
    ]));
    assert!(!ok, "the only admin was deleted");
    assert!(err.contains("only active admin"), "{err}");
    let (ok, out, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "user",
        "delete",
        "--email",
        "CY@team.example",
        "--yes",
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("deleted candidate cy@team.example"), "{out}");
    let (ok, _, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "user",
        "delete",
        "--email",
        "cy@team.example",
        "--yes",
    ]));
    assert!(!ok && err.contains("no account"), "{err}");
    // the removal is logged without the email
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (actor, detail): (String, String) = rt.block_on(async {
        let opts = gauntlet::db::connect_options(&db, gauntlet::db::Create::Never);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        let row = sqlx::query_as("select actor, detail from account_removals")
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        row
    });
    assert_eq!(actor, "command line");
    assert!(!detail.contains("cy@"), "{detail}");
}

#[test]
fn t79_the_service_units_pass_systemd_analyze_verify() {
    let analyze = Path::new("/usr/bin/systemd-analyze");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let units = [
        "gauntlet.service",
        "gauntlet-backup.service",
        "gauntlet-backup.timer",
    ];
    // what is checked everywhere: the sandbox settings the README promises
    let service = std::fs::read_to_string(root.join("deploy/gauntlet.service")).unwrap();
    for line in [
        "User=gauntlet",
        "StateDirectory=gauntlet",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "UMask=0077",
        "EnvironmentFile=/etc/gauntlet/gauntlet.env",
    ] {
        assert!(service.lines().any(|l| l == line), "{line} missing");
    }
    let env = std::fs::read_to_string(root.join("deploy/gauntlet.env.example")).unwrap();
    for line in env
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
    {
        let var = line.trim_start_matches('#').split('=').next().unwrap();
        assert!(var.starts_with("GAUNTLET_"), "{line}");
    }
    if !analyze.exists() {
        eprintln!("systemd-analyze is not installed; only the unit contents were checked");
        return;
    }
    // verify needs ExecStart's binary to exist: check copies that point at the built one
    let dir = tempfile::tempdir().unwrap();
    for unit in units {
        let text = std::fs::read_to_string(root.join("deploy").join(unit)).unwrap();
        std::fs::write(
            dir.path().join(unit),
            text.replace("/usr/local/bin/gauntlet", BIN),
        )
        .unwrap();
    }
    let out = Command::new(analyze)
        .arg("verify")
        .args(units.map(|u| dir.path().join(u)))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        !said.contains(".service:") && !said.contains(".timer:"),
        "warnings about the units: {said}"
    );
}

#[test]
fn t89_a_webhooks_secret_path_never_reaches_the_output() {
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    // a chat webhook's path is its password: a refused URL is named by scheme and host only
    let (ok, out, err) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "serve",
        "--webhook-url",
        "ftp://hooks.example/T0/B1/canary-hook-secret",
    ]));
    assert!(!ok, "{out}{err}");
    assert!(err.contains("ftp://hooks.example/…"), "{err}");
    assert!(
        !format!("{out}{err}").contains("canary-hook-secret"),
        "{out}{err}"
    );
    // the doctor names a good one and a broken one the same way
    for (url, row) in [
        (
            "https://hooks.example/services/canary-hook-secret",
            "ok   webhook: https://hooks.example/********",
        ),
        (
            "https://user:pw@hooks.example/canary-hook-secret",
            "FAIL webhook: webhook URL \"https://hooks.example/…\"",
        ),
    ] {
        let (_, out, err) =
            run(gauntlet(dir.path()).args(["--database", "g.db", "doctor", "--webhook-url", url]));
        let all = format!("{out}{err}");
        assert!(all.lines().any(|l| l.starts_with(row)), "{row}: {all}");
        assert!(!all.contains("canary-hook-secret"), "{all}");
        assert!(!all.contains(":pw@"), "{all}");
    }
}

#[test]
fn t79_doctor_passes_a_good_set_up_and_explains_a_broken_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    create_account(
        dir.path(),
        "ana@team.example",
        "admin",
        "river stone lantern",
    );
    let (ok, out, err) = run(gauntlet(dir.path())
        .env("GAUNTLET_SECRET_TOKEN", "hunter2-canary-value")
        .args([
            "--database",
            "g.db",
            "doctor",
            "--public-url",
            "https://g.example.com",
        ]));
    assert!(ok, "{out}{err}");
    for expected in [
        "g.db",
        "schema: version",
        "integrity: ok",
        "permissions",
        "public URL: https://g.example.com",
        "all checks passed",
    ] {
        assert!(out.contains(expected), "{expected} not in {out}");
    }
    assert!(out.contains("GAUNTLET_SECRET_TOKEN=********"), "{out}");
    assert!(
        !out.contains("hunter2-canary-value"),
        "a secret was printed: {out}"
    );

    // broken: world-readable file, a public URL that is not one, a missing content folder
    let db = dir.path().join("g.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, out, _) = run(gauntlet(dir.path()).args([
        "--database",
        "g.db",
        "doctor",
        "--public-url",
        "gauntlet.example.com",
        "--content",
        "no-such-folder",
    ]));
    assert!(!ok, "{out}");
    assert!(
        out.contains("FAIL permissions") && out.contains("chmod 600"),
        "{out}"
    );
    assert!(out.contains("FAIL public URL"), "{out}");
    assert!(out.contains("FAIL content"), "{out}");
    assert!(out.contains("3 problem(s) found"), "{out}");

    // broken: a damaged file and a missing one
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut bytes = std::fs::read(&db).unwrap();
    let _ = std::fs::remove_file(dir.path().join("g.db-wal"));
    let _ = std::fs::remove_file(dir.path().join("g.db-shm"));
    let len = bytes.len();
    for b in &mut bytes[4096..len.min(4096 * 3)] {
        *b = 0x5a;
    }
    std::fs::write(&db, &bytes).unwrap();
    let (ok, out, _) = run(gauntlet(dir.path()).args(["--database", "g.db", "doctor"]));
    assert!(!ok, "{out}");
    assert!(out.contains("FAIL") && out.contains("fix:"), "{out}");
    let (ok, out, _) = run(gauntlet(dir.path()).args(["--database", "gone.db", "doctor"]));
    assert!(!ok);
    assert!(
        out.contains("gone.db does not exist") && out.contains("fix:"),
        "{out}"
    );
    assert!(
        !dir.path().join("gone.db").exists(),
        "doctor created a database"
    );
}
