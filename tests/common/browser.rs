//! Real headless Chromium through chromedriver (WebDriver), for browser tests.
#![allow(dead_code)]

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// A chromedriver process and one browser session; both end when dropped or closed.
pub struct Browser {
    pub client: Client,
    driver: Child,
    driver_url: String,
    session: String,
    closed: bool,
    _profile: tempfile::TempDir,
}

/// How to start Chromium.
#[derive(Clone, Copy, Debug)]
pub struct BrowserOptions {
    pub javascript: bool,
    /// For sites with the tests' self-signed certificate: `--ignore-certificate-errors`.
    pub https: bool,
    /// Leave alert/confirm dialogs open for the test to find (`unhandledPromptBehavior: ignore`)
    /// instead of chromedriver's default of dismissing them and failing the next command.
    pub keep_dialogs_open: bool,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            javascript: true,
            https: false,
            keep_dialogs_open: false,
        }
    }
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session.
    pub async fn start(javascript: bool) -> Self {
        Self::start_with(BrowserOptions {
            javascript,
            ..BrowserOptions::default()
        })
        .await
    }

    /// Starts chromedriver on a free port and a headless Chromium session with `opts`.
    pub async fn start_with(opts: BrowserOptions) -> Self {
        let javascript = opts.javascript;
        for bin in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: run the tests through scripts/test, which installs chromium and chromium-driver"
            );
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if !javascript {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        if opts.https {
            args.push("--ignore-certificate-errors".into());
        }
        let mut caps = json!({
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        if opts.keep_dialogs_open {
            caps["unhandledPromptBehavior"] = json!("ignore");
        }
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("cannot start a Chromium session: {e}"),
            }
        };
        let session = client
            .session_id()
            .await
            .unwrap()
            .expect("a WebDriver session id");
        Self {
            client,
            driver,
            driver_url: url,
            session,
            closed: false,
            _profile: profile,
        }
    }

    /// Sends a Chrome DevTools Protocol command to the current tab through chromedriver.
    pub async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        self.driver_post("goog/cdp/execute", json!({"cmd": cmd, "params": params}))
            .await
    }

    /// The browser console messages since the last call (chromedriver's log endpoint), as
    /// `LEVEL message` lines.
    pub async fn console(&self) -> Vec<String> {
        let entries = self.driver_post("se/log", json!({"type": "browser"})).await;
        entries
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e["level"].as_str().unwrap_or_default(),
                            e["message"].as_str().unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn driver_post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}/session/{}/{path}", self.driver_url, self.session);
        let resp: serde_json::Value = reqwest::Client::new()
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{url}: {e}"))
            .json()
            .await
            .unwrap();
        assert!(
            resp["value"].get("error").is_none(),
            "{path} failed: {resp}"
        );
        resp["value"].clone()
    }

    /// The text of the open alert/confirm/prompt dialog, if one is open.
    pub async fn open_dialog(&self) -> Option<String> {
        match self.client.get_alert_text().await {
            Ok(text) => Some(text),
            Err(e) if e.is_no_such_alert() => None,
            Err(e) => panic!("cannot ask for a dialog: {e}"),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap();
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    pub async fn value(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    pub async fn html(&self) -> String {
        self.client.source().await.unwrap()
    }

    pub async fn path(&self) -> String {
        self.client.current_url().await.unwrap().path().to_string()
    }

    /// Waits until the page's main content contains `text`.
    pub async fn wait_for_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            // the source can be briefly unavailable while a navigation is under way
            let html = self.client.source().await.unwrap_or_default();
            if html.contains(text) {
                return;
            }
            assert!(Instant::now() < deadline, "page never showed {text:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Emulates a phone (390 × 844, touch, mobile viewport) in the current tab, or a 1280 px
    /// desktop window again with `false`.
    pub async fn phone(&self, on: bool) {
        if on {
            self.cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
            )
            .await;
        } else {
            self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
                .await;
        }
    }

    /// Whether the page is wider than the viewport (something sticks out sideways).
    pub async fn overflows(&self) -> bool {
        self.client
            .execute(
                "return document.documentElement.scrollWidth > document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap()
            .as_bool()
            .unwrap()
    }

    /// With `GAUNTLET_TEST_SHOTS=DIR` set, saves a PNG of the whole page as `DIR/NAME.png`, for a
    /// person to look at; without it, does nothing.
    pub async fn shot(&self, name: &str) {
        let Ok(dir) = std::env::var("GAUNTLET_TEST_SHOTS") else {
            return;
        };
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true}),
            )
            .await;
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap_or_default())
            .unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}.png"), png).unwrap();
    }

    /// Ends the session (Chromium quits), then chromedriver (on drop).
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        self.closed = true;
    }
}

impl Drop for Browser {
    /// Also when a test fails before `close`: ends the session with a plain blocking request
    /// (killing chromedriver alone would leave Chromium running), then chromedriver.
    fn drop(&mut self) {
        if !self.closed {
            use std::io::{Read, Write};
            let addr = self.driver_url.trim_start_matches("http://");
            if let Ok(mut s) = std::net::TcpStream::connect(addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    s,
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
