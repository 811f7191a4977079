//! Test-only HTTPS: one self-signed certificate (SAN 127.0.0.1, 127.0.0.2, localhost), a TLS
//! front on 127.0.0.1 that pipes each connection to the app's plain port (so the app runs with
//! an `https://` public URL and its production cookie attributes), and a tiny "attacker site"
//! on 127.0.0.2 (another IP is another *site* to the browser) serving pages given by the test.
#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_rustls::{
    TlsAcceptor,
    rustls::{
        self,
        pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer},
    },
    server::TlsStream,
};

use crate::common::{Options, TestApp};

/// The acceptor for the one certificate of this test process.
fn acceptor() -> TlsAcceptor {
    static ACCEPTOR: OnceLock<TlsAcceptor> = OnceLock::new();
    ACCEPTOR
        .get_or_init(|| {
            let names = ["127.0.0.1", "127.0.0.2", "localhost"].map(String::from);
            let rcgen::CertifiedKey { cert, signing_key } =
                rcgen::generate_simple_self_signed(names).expect("self-signed certificate");
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(signing_key.serialize_der()));
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], key)
                .expect("server certificate");
            TlsAcceptor::from(Arc::new(config))
        })
        .clone()
}

/// What the TLS front saw: the decrypted bytes each client sent, one buffer per connection.
#[derive(Clone, Default)]
pub struct Front {
    sent: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Front {
    /// The header blocks of the requests whose request line starts with `start`
    /// (e.g. `"POST /login "`), in the order the connections were opened.
    pub fn request_heads(&self, start: &str) -> Vec<String> {
        let sent = self.sent.lock().unwrap();
        let mut heads = Vec::new();
        for conn in sent.iter() {
            let text = String::from_utf8_lossy(conn);
            let mut from = 0;
            while let Some(i) = text[from..].find(start) {
                let at = from + i;
                // a request line begins the connection or follows a CRLF
                if at == 0 || text[..at].ends_with("\r\n") {
                    let end = text[at..].find("\r\n\r\n").map_or(text.len(), |e| at + e);
                    heads.push(text[at..end].to_string());
                }
                from = at + start.len();
            }
        }
        heads
    }
}

/// Starts the app behind a TLS front: the front's listener is bound first, so the app's public
/// URL is `https://127.0.0.1:<front port>`, and `app.base` (and so `app.url`) is that URL.
pub async fn spawn_https(mut opts: Options) -> (TestApp, Front) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("https://{}", listener.local_addr().unwrap());
    opts.public_url = Some(public.clone());
    let mut app = TestApp::spawn_with(opts).await;
    let upstream = app.running().addr;
    let front = Front::default();
    let piped = front.clone();
    tokio::spawn(serve_tls(listener, move |tls| {
        proxy(tls, upstream, piped.clone())
    }));
    app.base = public;
    (app, front)
}

/// Accepts TLS connections on `listener` for ever, handing each to `serve` in its own task.
async fn serve_tls<F, Fut>(listener: TcpListener, serve: F)
where
    F: Fn(TlsStream<TcpStream>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let acceptor = acceptor();
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            // e.g. out of file descriptors: wait rather than spin
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let (acceptor, serve) = (acceptor.clone(), serve.clone());
        tokio::spawn(async move {
            // a client that gives up on the handshake is no concern of the test
            if let Ok(tls) = acceptor.accept(tcp).await {
                serve(tls).await;
            }
        });
    }
}

/// Pipes one client connection to the app's plain port, recording what the client sent.
async fn proxy(tls: TlsStream<TcpStream>, upstream: SocketAddr, front: Front) {
    let Ok(up) = TcpStream::connect(upstream).await else {
        return;
    };
    let index = {
        let mut sent = front.sent.lock().unwrap();
        sent.push(Vec::new());
        sent.len() - 1
    };
    let (mut client_read, mut client_write) = tokio::io::split(tls);
    let (mut up_read, mut up_write) = up.into_split();
    let to_app = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    front.sent.lock().unwrap()[index].extend_from_slice(&buf[..n]);
                    if up_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = up_write.shutdown().await;
    };
    let to_client = async {
        let _ = tokio::io::copy(&mut up_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(to_app, to_client);
}

/// A page the attacker site serves.
#[derive(Clone)]
struct Page {
    html: String,
    csp: Option<String>,
}

/// An HTTPS site with the same certificate on another loopback address, serving the pages the
/// test gives it (anything else is a 404).
pub struct Site {
    pub base: String,
    pages: Arc<Mutex<HashMap<String, Page>>>,
}

impl Site {
    /// The attacker site: `https://127.0.0.2:<port>`, another site than the app's.
    pub async fn attacker() -> Self {
        Self::start("127.0.0.2").await
    }

    /// A site on `ip` (e.g. a second 127.0.0.1 site that allows framing, as a control).
    pub async fn start(ip: &str) -> Self {
        let listener = TcpListener::bind((ip, 0)).await.unwrap();
        let base = format!("https://{}", listener.local_addr().unwrap());
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let served = pages.clone();
        tokio::spawn(serve_tls(listener, move |tls| answer(tls, served.clone())));
        Self { base, pages }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Serves `html` at `path` (no CSP).
    pub fn page(&self, path: &str, html: impl Into<String>) {
        self.put(path, html.into(), None);
    }

    /// Serves `html` at `path` with a `Content-Security-Policy` header.
    pub fn page_with_csp(&self, path: &str, html: impl Into<String>, csp: &str) {
        self.put(path, html.into(), Some(csp.to_string()));
    }

    fn put(&self, path: &str, html: String, csp: Option<String>) {
        self.pages
            .lock()
            .unwrap()
            .insert(path.to_string(), Page { html, csp });
    }
}

/// Answers one request on `tls` with the page stored for its path (or 404), then closes.
async fn answer(mut tls: TlsStream<TcpStream>, pages: Arc<Mutex<HashMap<String, Page>>>) {
    // one request per connection: read the head, answer, close
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match tls.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or("/");
    let page = pages.lock().unwrap().get(path).cloned();
    let (status, page) = match page {
        Some(p) => ("200 OK", p),
        None => (
            "404 Not Found",
            Page {
                html: "not here".into(),
                csp: None,
            },
        ),
    };
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        page.html.len()
    );
    if let Some(csp) = &page.csp {
        resp.push_str(&format!("Content-Security-Policy: {csp}\r\n"));
    }
    resp.push_str("\r\n");
    resp.push_str(&page.html);
    let _ = tls.write_all(resp.as_bytes()).await;
    let _ = tls.shutdown().await;
}
