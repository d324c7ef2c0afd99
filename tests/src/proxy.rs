//! A tiny HTTP proxy on 127.0.0.1 for the transport tests: it records what each connection
//! asked for (the request line and a `Proxy-Authorization` header) and answers every plain
//! HTTP request, whether sent in absolute form or through a `CONNECT` tunnel, with
//! `{"res":"pong"}`. A TLS handshake inside a tunnel is not answered: the connection closes,
//! which is enough to show the tunnel was asked for. Loopback only; nothing is forwarded.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// What the proxy saw on one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// The first request line (`CONNECT host:port HTTP/1.1`, or `GET http://... HTTP/1.1`).
    pub line: String,
    /// The `Proxy-Authorization` header sent with it, if any.
    pub authorization: Option<String>,
    /// The request line sent inside a tunnel, for a plain HTTP request.
    pub tunnelled: Option<String>,
}

/// The running proxy; stops accepting when dropped (the thread ends with the process).
#[derive(Debug)]
pub struct TinyProxy {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl TinyProxy {
    /// Starts the proxy on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let record = record.clone();
                thread::spawn(move || serve(stream, &record));
            }
        });
        TinyProxy { port, seen }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What each connection asked for so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Reads a request head: the first line and the `Proxy-Authorization` value.
fn read_head(reader: &mut impl BufRead) -> Option<(String, Option<String>)> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let first = line.trim_end().to_owned();
    if first.is_empty() {
        return None;
    }
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            return Some((first, authorization));
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("proxy-authorization") {
                authorization = Some(value.trim().to_owned());
            }
        }
    }
}

const PONG: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 14\r\nconnection: close\r\n\r\n{\"res\":\"pong\"}";

fn serve(stream: TcpStream, record: &Mutex<Vec<Seen>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut writer = stream;
    let (line, authorization) = read_head(&mut reader)?;
    // Recorded before anything is answered, so a test sees it once its call returns.
    let index = {
        let mut seen = record.lock().unwrap_or_else(|e| e.into_inner());
        seen.push(Seen {
            line: line.clone(),
            authorization,
            tunnelled: None,
        });
        seen.len() - 1
    };
    if line.starts_with("CONNECT ") {
        writer
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .ok()?;
        let first = reader.fill_buf().ok()?.first().copied();
        if first == Some(0x16) {
            // A TLS ClientHello: not ours to answer.
            let mut sink = [0u8; 1024];
            let _ = reader.read(&mut sink);
            return Some(());
        }
        let (inner, _) = read_head(&mut reader)?;
        if let Some(seen) = record
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(index)
        {
            seen.tunnelled = Some(inner);
        }
    }
    let _ = writer.write_all(PONG);
    Some(())
}
