//! A real SMTP server on loopback for the notification tests: `tests/support/smtp_sink.py`
//! (aiosmtpd, installed by scripts/test) in a child process that reports every message it
//! receives as one JSON line; the tests await those lines.
#![allow(dead_code)]

use std::{process::Stdio, time::Duration};

use serde::Deserialize;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
    sync::mpsc,
};

/// One message as the SMTP server received it (subject and parts decoded).
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub header_to: String,
    pub text: String,
    pub html: String,
}

/// The running server; killed when dropped.
pub struct SmtpSink {
    pub port: u16,
    mails: mpsc::UnboundedReceiver<Mail>,
    _child: Child,
}

/// The Python with Debian's `python3-aiosmtpd` (not a virtual environment's).
const PYTHON: &str = "/usr/bin/python3";

/// A loopback port held by a socket that is bound but not listening: connections to it are
/// refused at once (a mail server that is down), and no other test's server can be handed the
/// port meanwhile (a listener there would leave the sender waiting for a greeting until its
/// timeout). Drop the socket just before starting the server that comes up on the port.
pub fn refused_port() -> (tokio::net::TcpSocket, u16) {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.bind(([127, 0, 0, 1], 0).into()).expect("bind");
    let port = socket.local_addr().expect("address").port();
    (socket, port)
}

impl SmtpSink {
    /// Starts the server on `port` (0: any free one) and waits until it accepts connections.
    pub async fn start(port: u16) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut child = Command::new(PYTHON)
            .arg(script)
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("the SMTP test server starts (scripts/test installs python3-aiosmtpd)");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP test server is ready within 20 s")
            .unwrap()
            .expect("the SMTP test server printed its port (is python3-aiosmtpd installed?)");
        let ready: serde_json::Value = serde_json::from_str(&ready).unwrap();
        let port = u16::try_from(ready["ready"].as_u64().expect("ready line")).unwrap();
        let (tx, mails) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                let mail: Mail = serde_json::from_str(&line).expect("a mail line");
                if tx.send(mail).is_err() {
                    break;
                }
            }
        });
        Self {
            port,
            mails,
            _child: child,
        }
    }

    /// `smtp://127.0.0.1:PORT` (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The next message received (waits up to 30 s for it).
    pub async fn next(&mut self) -> Mail {
        tokio::time::timeout(Duration::from_secs(30), self.mails.recv())
            .await
            .expect("a mail arrives within 30 s")
            .expect("the SMTP test server is running")
    }

    /// The next message to `to`, skipping (and returning) any to others received before it.
    pub async fn next_to(&mut self, to: &str) -> (Mail, Vec<Mail>) {
        let mut others = Vec::new();
        loop {
            let m = self.next().await;
            if m.to.iter().any(|t| t == to) {
                return (m, others);
            }
            others.push(m);
        }
    }

    /// Messages already received and not yet taken, without waiting.
    pub fn drain(&mut self) -> Vec<Mail> {
        let mut out = Vec::new();
        while let Ok(m) = self.mails.try_recv() {
            out.push(m);
        }
        out
    }
}
