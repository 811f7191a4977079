//! One accepted connection's limits: the cap on open connections, a deadline for every request
//! head counted from accept or from the end of the last response (zero bytes, partial heads,
//! HTTP/2 prefaces without a stream alike), and the security headers on the replies hyper writes
//! by itself to requests it cannot parse.

use std::{
    io,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll, ready},
    time::{Duration, Instant},
};

use axum::body::Body;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::web::headers;

/// What a connection is doing, shared by its watchdog, its requests and its socket.
#[derive(Debug)]
pub struct Activity {
    opened: Instant,
    /// Requests whose response has not been written to the end.
    busy: AtomicUsize,
    /// Milliseconds after `opened` when the connection last became idle.
    idle_since_ms: AtomicU64,
    /// Whether any request reached the service (the first head has a shorter deadline).
    served: AtomicU64,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            opened: Instant::now(),
            busy: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
            served: AtomicU64::new(0),
        })
    }

    /// A request head arrived; the returned guard ends the request when its body is dropped.
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.busy.fetch_add(1, Ordering::AcqRel);
        self.served.fetch_add(1, Ordering::Relaxed);
        Busy(Arc::clone(self))
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// When the connection should be closed if nothing happens before: `None` while a request
    /// is in flight.
    fn deadline(&self, first_head: Duration, keep_alive: Duration) -> Option<Instant> {
        if self.busy.load(Ordering::Acquire) > 0 {
            return None;
        }
        let budget = if self.served.load(Ordering::Relaxed) == 0 {
            first_head
        } else {
            keep_alive
        };
        let since = Duration::from_millis(self.idle_since_ms.load(Ordering::Acquire));
        Some(self.opened + since + budget)
    }

    /// Resolves when the connection has had no request in flight for its whole budget: the
    /// first head within `first_head` of accept, each later one within `keep_alive` of the last
    /// response's end.
    pub async fn idle_out(&self, first_head: Duration, keep_alive: Duration) {
        // while busy, look again now and then: cheap, and no wake-up plumbing per request
        let poll = first_head.min(keep_alive).min(Duration::from_secs(1));
        loop {
            match self.deadline(first_head, keep_alive) {
                Some(at) if Instant::now() >= at => return,
                Some(at) => tokio::time::sleep_until(at.min(Instant::now() + poll).into()).await,
                None => tokio::time::sleep(poll).await,
            }
        }
    }
}

/// Held by a request until its response body has been written (or dropped).
#[derive(Debug)]
pub struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        let a = &self.0;
        a.idle_since_ms.store(a.now_ms(), Ordering::Release);
        a.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A response body that keeps its request counted as in flight until it is finished.
pub struct TrackedBody {
    inner: Body,
    _busy: Busy,
}

impl TrackedBody {
    pub fn wrap(inner: Body, busy: Busy) -> Body {
        Body::new(Self { inner, _busy: busy })
    }
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, with the security headers written into hyper's own error replies (400, 414,
/// 431 to unparsable requests), which never pass through the middleware that adds them to
/// every other response.
pub struct HeaderedIo<S> {
    inner: S,
    /// A rewritten reply not yet fully written: the bytes and how many are out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<S> HeaderedIo<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: None,
        }
    }
}

impl<S: AsyncWrite + Unpin> HeaderedIo<S> {
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((buf, done)) = &mut self.pending {
            if *done == buf.len() {
                self.pending = None;
                break;
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &buf[*done..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *done += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HeaderedIo<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for HeaderedIo<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(rewritten) = with_security_headers(buf) {
            // taken whole: the caller's bytes are ours now, and flush writes the rest
            self.pending = Some((rewritten, 0));
            if let Poll::Ready(Err(e)) = self.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    /// hyper writes a response's head and its body chunks in one call when the socket takes
    /// vectored writes, instead of first copying them into one buffer. Its own error replies
    /// are one head alone, checked as in `poll_write`.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(first) = bufs.iter().find(|b| !b.is_empty())
            && with_security_headers(first).is_some()
        {
            return self.poll_write(cx, first);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// `buf` with the security headers added, when it starts an HTTP/1 error reply that has none
/// (only hyper's automatic replies lack them: every response of ours carries a CSP).
fn with_security_headers(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    if !matches!(rest.first(), Some(b'4' | b'5')) {
        return None;
    }
    let head_end = find(buf, b"\r\n\r\n")?;
    let head = buf[..head_end].to_ascii_lowercase();
    if find(&head, b"\ncontent-security-policy:").is_some() {
        return None;
    }
    let line_end = find(buf, b"\r\n")? + 2;
    let mut out = Vec::with_capacity(buf.len() + 600);
    out.extend_from_slice(&buf[..line_end]);
    for (name, value) in headers::FIXED {
        if find(&head, format!("\n{name}:").as_bytes()).is_none() {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(&buf[line_end..]);
    Some(out)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_error_replies_get_the_headers_and_ours_are_left_alone() {
        let auto =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(with_security_headers(auto).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        assert!(out.contains("content-security-policy: default-src 'none'"));
        assert!(out.contains("x-content-type-options: nosniff\r\n"));
        assert!(out.contains("cache-control: no-store\r\n"));
        assert!(out.ends_with("content-length: 0\r\ndate: x\r\n\r\n"));
        let ours = b"HTTP/1.1 404 Not Found\r\nContent-Security-Policy: x\r\n\r\nbody";
        assert!(with_security_headers(ours).is_none());
        assert!(with_security_headers(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        assert!(with_security_headers(b"{\"HTTP/1.1 400\"}").is_none());
    }

    #[tokio::test]
    async fn deadlines_run_from_accept_and_from_the_last_response() {
        let a = Activity::new();
        let first = Duration::from_millis(40);
        let keep = Duration::from_millis(400);
        let at = a.deadline(first, keep).unwrap();
        assert!(at <= Instant::now() + first);
        let busy = a.begin();
        assert!(a.deadline(first, keep).is_none(), "no deadline while busy");
        drop(busy);
        let at = a.deadline(first, keep).unwrap();
        assert!(
            at > Instant::now() + first,
            "the keep-alive budget after a response"
        );
        tokio::time::timeout(Duration::from_secs(5), a.idle_out(first, keep))
            .await
            .expect("an idle connection times out");
    }
}
