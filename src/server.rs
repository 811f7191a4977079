//! Starting and stopping the site: database, content, sessions, the first-run setup link, the
//! accept loop (hyper-util; per-connection limits in `connection`) and graceful shutdown.

mod background;
mod connection;

use std::{
    convert::Infallible, future::Future, net::SocketAddr, path::PathBuf, sync::Arc, time::Duration,
};

use axum::{Router, extract::ConnectInfo};
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use sqlx::SqlitePool;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, oneshot},
    task::JoinHandle,
};
use tower::ServiceExt as _;
use tower_sessions::ExpiredDeletion;
use tower_sessions_sqlx_store::SqliteStore;

use self::connection::{Activity, HeaderedIo, TrackedBody};
use crate::{
    auth::{session_store::CachedStore, tokens},
    config::Config,
    content_store::ContentStore,
    db::{self, Create},
    notify,
    state::AppState,
    web,
};

/// How long a first-run setup link stays valid.
const SETUP_LINK_TTL_SECS: i64 = 24 * 3600;

/// Where the database is and whether it may be created.
#[derive(Debug, Clone)]
pub struct DatabaseChoice {
    pub path: PathBuf,
    pub create: Create,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    /// The one-time setup link, when the database had no users at start.
    pub setup_link: Option<String>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish, closes the database.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = self.task.await;
    }
}

/// What went wrong when listening on `addr`, worded for the person who started the server.
fn bind_error(addr: SocketAddr, e: std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "cannot listen on {addr}: the address is already in use (is another gauntlet running?). \
             Stop that program or pick another address with --bind (GAUNTLET_BIND), e.g. --bind 127.0.0.1:3001"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "cannot listen on {addr}: permission denied (ports below 1024 need privileges); \
             pick another address with --bind (GAUNTLET_BIND)"
        ),
        _ => format!("cannot listen on {addr}: {e}"),
    }
}

/// Opens everything and starts serving on `config.bind` (port 0 picks a free port).
pub async fn start(
    mut config: Config,
    database: DatabaseChoice,
) -> Result<Running, Box<dyn std::error::Error + Send + Sync>> {
    let existed = database.path.exists();
    let pool = db::open(&database.path, database.create).await?;
    let writer = db::open_writer(&database.path).await?;
    if !existed {
        tracing::warn!(
            path = %database.path.display(),
            "created a new, empty database at {}", database.path.display()
        );
    }
    let content = load_content(&writer, config.content_dir.clone()).await?;
    let sessions = session_store(&writer).await?;
    let listener = listen(&mut config).await?;
    let addr = listener.local_addr()?;
    let setup_link = setup_link_if_needed(&writer, &config).await?;
    let transport: Arc<dyn notify::sender::Transport> =
        Arc::new(notify::sender::Live::from_config(&config)?);
    let state = AppState::new(&pool, writer.clone(), config.clone(), content);
    // opened to check and migrate the file; the site reads through `state.db` from here on
    pool.close().await;
    let app = web::app(
        state.clone(),
        CachedStore::new(sessions, config.session_recheck),
    );
    tracing::info!(%addr, public_url = %config.public_url, "listening");
    if let Some(link) = &setup_link {
        tracing::warn!(
            "no users yet: create the first admin at {link} (single use, valid 24 hours)"
        );
    }
    let (stop_tx, stop_rx) = oneshot::channel();
    let serving = Serving {
        listener,
        app,
        config,
        state: state.clone(),
        writer,
        transport,
    };
    Ok(Running {
        addr,
        state,
        setup_link,
        stop: Some(stop_tx),
        task: tokio::spawn(serving.run(stop_rx)),
    })
}

/// Loads the gauntlets (built-in and from `dir`) and records their current versions.
async fn load_content(
    writer: &SqlitePool,
    dir: Option<PathBuf>,
) -> Result<ContentStore, Box<dyn std::error::Error + Send + Sync>> {
    let content = tokio::task::spawn_blocking(move || ContentStore::load(dir)).await?;
    let summary = content.record_current(writer).await?;
    tracing::info!(
        gauntlets = summary.gauntlets,
        broken_files = summary.broken_files,
        "content loaded"
    );
    if summary.broken_files > 0 {
        tracing::warn!(
            "some content files have errors; see the admin content page or run `gauntlet content check`"
        );
    }
    Ok(content)
}

/// The session store, its table created, with expired sessions deleted every ten minutes.
async fn session_store(writer: &SqlitePool) -> Result<SqliteStore, sqlx::Error> {
    let sessions = SqliteStore::new(writer.clone());
    sessions.migrate().await?;
    tokio::spawn(
        sessions
            .clone()
            .continuously_delete_expired(Duration::from_secs(600)),
    );
    Ok(sessions)
}

/// Binds `config.bind`; a default public URL follows the port actually bound (port 0).
async fn listen(
    config: &mut Config,
) -> Result<TcpListener, Box<dyn std::error::Error + Send + Sync>> {
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|e| bind_error(config.bind, e))?;
    let addr = listener.local_addr()?;
    if config.public_url == format!("http://{}", config.bind) {
        config.public_url = format!("http://{addr}");
    }
    if !config.is_https() && !addr.ip().is_loopback() {
        tracing::warn!(
            "serving plain HTTP on a non-loopback address: put a TLS proxy in front and set --public-url https://…"
        );
    }
    Ok(listener)
}

/// Everything the serving task owns once the site is set up.
struct Serving {
    listener: TcpListener,
    app: Router,
    config: Config,
    state: AppState,
    writer: SqlitePool,
    transport: Arc<dyn notify::sender::Transport>,
}

impl Serving {
    /// Runs the background tasks and the accept loop until `stop` fires, then stops them and
    /// closes the database.
    async fn run(self, stop: oneshot::Receiver<()>) {
        let Self {
            listener,
            app,
            config,
            state,
            writer,
            transport,
        } = self;
        let reload = tokio::spawn(reload_on_sighup(state.clone()));
        let upkeep = tokio::spawn(metrics_upkeep(state.metrics.clone()));
        let hub = state.live.clone();
        // the one notification sender: handlers only insert outbox rows and wake it
        let sender = tokio::spawn(background::run(state, transport));
        accept_loop(listener, app, &config, async {
            let _ = stop.await;
            // open event streams end now, or they would hold the shutdown for its whole grace
            hub.close();
        })
        .await;
        reload.abort();
        upkeep.abort();
        sender.abort();
        let _ = sender.await;
        close_database(&writer).await;
    }
}

async fn setup_link_if_needed(
    pool: &SqlitePool,
    config: &Config,
) -> Result<Option<String>, sqlx::Error> {
    if db::users::count(pool).await? > 0 {
        return Ok(None);
    }
    let token = tokens::random_token();
    db::tokens::replace_setup_token(pool, &tokens::hash_token(&token), SETUP_LINK_TTL_SECS).await?;
    Ok(Some(config.link(&format!("/setup/{token}"))))
}

/// Accepts connections until `stop` resolves, then drains in-flight requests. Every connection
/// holds a permit of `config.max_connections`; one accepted beyond that is closed at once.
async fn accept_loop(
    listener: TcpListener,
    app: Router,
    config: &Config,
    stop: impl Future<Output = ()>,
) {
    let connections = Connections::new(app, config);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let mut refused = RateLimitedWarning::default();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // out of descriptors, most often: wait for connections to close
                    refused.note(&format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            drop(stream);
            refused.note("connection limit reached: closing new connections (--max-connections)");
            continue;
        };
        connections.serve(stream, peer, permit);
    }
    drop(listener);
    tracing::info!("shutting down: finishing in-flight requests");
    connections.drain(config.shutdown_grace).await;
}

/// How accepted connections are served: HTTP/1 and HTTP/2 with their timers, each one watched
/// for the graceful shutdown and closed when it stays idle too long.
struct Connections {
    builder: auto::Builder<TokioExecutor>,
    graceful: GracefulShutdown,
    app: Router,
    first_head: Duration,
    keep_alive: Duration,
}

impl Connections {
    fn new(app: Router, config: &Config) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(config.header_read_timeout);
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(Duration::from_secs(20)))
            .keep_alive_timeout(Duration::from_secs(10));
        Self {
            builder,
            graceful: GracefulShutdown::new(),
            app,
            first_head: config.header_read_timeout,
            keep_alive: config.keep_alive_timeout,
        }
    }

    /// Serves one connection on its own task, holding `permit` until it ends.
    fn serve(&self, stream: TcpStream, peer: SocketAddr, permit: OwnedSemaphorePermit) {
        // Responses are written whole, so Nagle's algorithm only ever delays a response's last
        // write (one of many buffers, or an event of a stream) until the client's delayed
        // acknowledgement, 40 ms later.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "could not turn off Nagle's algorithm on a connection");
        }
        let activity = Activity::new();
        let requests = Arc::clone(&activity);
        let app = self.app.clone();
        let svc = tower::service_fn(move |mut req: axum::http::Request<Incoming>| {
            let busy = requests.begin();
            req.extensions_mut().insert(ConnectInfo(peer));
            let call = app.clone().oneshot(req);
            async move {
                let resp = call.await?;
                Ok::<_, Infallible>(resp.map(|body| TrackedBody::wrap(body, busy)))
            }
        });
        let io = TokioIo::new(HeaderedIo::new(stream));
        let conn = self
            .builder
            .serve_connection_with_upgrades(io, TowerToHyperService::new(svc));
        let conn = self.graceful.watch(conn.into_owned());
        let (first_head, keep_alive) = (self.first_head, self.keep_alive);
        tokio::spawn(async move {
            let _permit = permit;
            tokio::select! {
                ended = conn => if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                },
                // dropping the connection closes the socket
                () = activity.idle_out(first_head, keep_alive) => {
                    tracing::debug!("closed a connection that sent no request in time");
                }
            }
        });
    }

    /// Waits up to `grace` for the open connections to finish their requests.
    async fn drain(self, grace: Duration) {
        if tokio::time::timeout(grace, self.graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not finish within the grace period");
        }
    }
}

/// A warning logged at most once per ten seconds, with how often it happened meanwhile.
#[derive(Default)]
struct RateLimitedWarning {
    last: Option<std::time::Instant>,
    suppressed: u64,
}

impl RateLimitedWarning {
    fn note(&mut self, what: &str) {
        let now = std::time::Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(10))
        {
            self.suppressed += 1;
            return;
        }
        tracing::warn!(repeats = self.suppressed, "{what}");
        self.last = Some(now);
        self.suppressed = 0;
    }
}

/// Folds recorded latency samples into the histograms every five seconds.
async fn metrics_upkeep(metrics: crate::metrics::Metrics) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        metrics.run_upkeep();
    }
}

async fn close_database(pool: &SqlitePool) {
    if let Err(e) = sqlx::query("pragma wal_checkpoint(truncate)")
        .execute(pool)
        .await
    {
        tracing::warn!(error = %e, "final checkpoint failed");
    }
    pool.close().await;
    tracing::info!("database closed");
}

#[cfg(unix)]
async fn reload_on_sighup(state: AppState) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        return;
    };
    while hup.recv().await.is_some() {
        match state.content.reload(&state.writer).await {
            Ok(s) => tracing::info!(
                gauntlets = s.gauntlets,
                broken_files = s.broken_files,
                "content reloaded (SIGHUP)"
            ),
            Err(e) => tracing::error!(error = %e, "content reload failed"),
        }
    }
}

#[cfg(not(unix))]
async fn reload_on_sighup(_: AppState) {}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when it
/// is first polled: call it before `start`, so that a SIGTERM arriving right after "listening"
/// (a service manager, a test) shuts down gracefully instead of killing the process.
pub fn shutdown_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = term => {},
                () = int => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown signal received");
    }
}
