//! An HTTP receiver of webhooks on loopback: it records every request and answers each with the
//! next status of its script (200 once the script runs out).

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// One request received.
#[derive(Debug, Clone)]
pub struct Hook {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    script: Mutex<VecDeque<u16>>,
    received: Mutex<Vec<Hook>>,
    stop: AtomicBool,
}

pub struct WebhookReceiver {
    port: u16,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl WebhookReceiver {
    /// Listens on a free loopback port; answers with `script` in order, then 200.
    pub fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("its address").port();
        let shared = Arc::new(Shared::default());
        shared.script.lock().unwrap().extend(script.iter().copied());
        let worker = shared.clone();
        let thread = std::thread::spawn(move || {
            while !worker.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => serve(stream, &worker),
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Self { port, shared, thread: Some(thread) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn received(&self) -> Vec<Hook> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Waits until `count` requests arrived (at most `timeout`).
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Hook> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(Instant::now() < deadline, "only {} of {count} webhooks arrived: {received:?}", received.len());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(stream: std::net::TcpStream, shared: &Shared) {
    stream.set_nonblocking(false).ok();
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.insert(name.trim().to_lowercase(), value.trim().to_owned());
        }
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let status = shared.script.lock().unwrap().pop_front().unwrap_or(200);
    shared.received.lock().unwrap().push(Hook {
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        answered: status,
    });
    let mut stream = reader.into_inner();
    let _ = write!(stream, "HTTP/1.1 {status} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    let _ = stream.flush();
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
