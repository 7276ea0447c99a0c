//! The sink: listening on a free, given or reserved port, what a test reads of it, stopping when dropped.

use std::io::ErrorKind;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::session::serve_connection;
use super::{lock, Mode, Received, Shared, POLL};

/// A loopback port bound but not listening: connections to it are refused, as to a server that
/// is down, and nobody else can take it meanwhile (another test's listener, or an outgoing
/// connection's source port connecting to itself).
pub struct ReservedPort(socket2::Socket);

impl ReservedPort {
    pub fn new() -> Self {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a TCP socket");
        socket.bind(&std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 0)).into()).expect("bind a loopback port");
        ReservedPort(socket)
    }

    pub fn port(&self) -> u16 {
        let address = self.0.local_addr().expect("a bound socket has an address");
        address.as_socket().expect("an IP address").port()
    }
}

impl Default for ReservedPort {
    fn default() -> Self {
        Self::new()
    }
}

/// The loopback SMTP server; its threads stop and its connections close when it is dropped.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    listener: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Listens on 127.0.0.1 on a free port.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind the SMTP sink on loopback");
        SmtpSink::serve(listener)
    }

    /// Listens on this port (for "the server was down and comes back": a test reserves a port
    /// with [`SmtpSink::free_port`] first). Retries for a moment if the port is still held.
    pub fn start_on(port: u16) -> SmtpSink {
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
                Ok(listener) => return SmtpSink::serve(listener),
                Err(e) if e.kind() == ErrorKind::AddrInUse && Instant::now() < deadline => thread::sleep(POLL),
                Err(e) => panic!("the SMTP sink cannot listen on 127.0.0.1:{port}: {e}"),
            }
        }
    }

    /// Starts listening on a port held until now: the server comes back where it was.
    pub fn start_on_reserved(reserved: ReservedPort) -> SmtpSink {
        reserved.0.listen(128).expect("listen on the reserved port");
        SmtpSink::serve(reserved.0.into())
    }

    /// A free loopback port nobody listens on yet (bind to 0, read the port, drop the listener).
    pub fn free_port() -> u16 {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
        listener.local_addr().expect("a bound listener has an address").port()
    }

    fn serve(listener: TcpListener) -> SmtpSink {
        let port = listener.local_addr().expect("SMTP listener has an address").port();
        // std has no accept timeout: polling a non-blocking listener is what lets it stop.
        listener.set_nonblocking(true).expect("SMTP listener non-blocking");
        let shared = Arc::new(Shared {
            mode: Mutex::new(Mode::Accept),
            messages: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            refused: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("smtp-{port}"))
                .spawn(move || accept_loop(&listener, &shared))
                .expect("spawn the SMTP listener thread")
        };
        SmtpSink { port, shared, listener: Some(thread) }
    }

    /// The port the sink listens on (host is always `127.0.0.1`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// How the next messages are answered; a message is judged when its DATA ends.
    pub fn set_mode(&self, mode: Mode) {
        *lock(&self.shared.mode) = mode;
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.shared.messages).clone()
    }

    /// Waits up to `timeout` until at least `count` messages were accepted; returns them all.
    ///
    /// Panics on timeout, saying how many arrived, how many were refused, and to whom.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        let mut messages = lock(&self.shared.messages);
        loop {
            if messages.len() >= count {
                return messages.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                let envelopes: Vec<String> =
                    messages.iter().map(|m| format!("{} -> {}", m.mail_from, m.rcpt_to.join(", "))).collect();
                panic!(
                    "the SMTP sink on port {} accepted {} of the {count} expected messages within {timeout:?} \
                     ({} transactions refused); accepted: {envelopes:?}",
                    self.port,
                    messages.len(),
                    self.refused(),
                );
            }
            messages =
                self.shared.arrived.wait_timeout(messages, deadline - now).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Every transaction refused so far (mode was not `Accept`), for counting attempts.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpSink {
    /// Stops the listener and every connection thread promptly: their sockets time out every few
    /// milliseconds to look at the stop flag. Open connections are closed without a reply.
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.listener.take() {
            // A serving thread that panicked has nothing left to clean up; don't panic in drop.
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                if let Ok(connection) = thread::Builder::new()
                    .name("smtp-connection".to_owned())
                    .spawn(move || serve_connection(stream, &shared))
                {
                    connections.push(connection);
                }
            }
            Err(_) => thread::sleep(POLL),
        }
        connections.retain(|connection| !connection.is_finished());
    }
    // Connections watch the same flag, so the server is only gone once they are too.
    for connection in connections {
        let _ = connection.join();
    }
}
