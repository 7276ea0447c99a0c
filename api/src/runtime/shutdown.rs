//! Stopping without dropping anyone: SIGTERM (or SIGINT) starts a drain, a second one stops at
//! once.
//!
//! 1. `/readyz` answers 503 at once and every response closes its connection, while requests
//!    are still served for `TENANTRY_SHUTDOWN_DRAIN_SECONDS`: load balancers and orchestrators
//!    see the 503 and stop sending, and keep-alive clients reconnect elsewhere.
//! 2. The listening socket stops completing new connections (on Linux, a socket filter drops
//!    bare SYNs, so a client retries and then meets a refusal), and the connections the kernel
//!    has already completed are accepted and served: closing a listener with connections in its
//!    queue resets them, which a client sees as a request without an answer.
//! 3. The server stops accepting and answers every request in progress, and meanwhile the
//!    mail, webhook and job workers finish the item in hand, each for at most
//!    `TENANTRY_SHUTDOWN_TIMEOUT_SECONDS`. The process exits 0 (see `commands::serve`: it does
//!    not wait for a worker's item past that bound; a claimed item is retried by another
//!    process once its lease runs out).
//!
//! A second signal at any point exits at once (status 1); the database rolls back whatever
//! was in flight, and the outbox and jobs are picked up by the next start.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web;
use tokio::sync::watch;

/// How long connections the kernel completed just before the filter went on are given to be
/// accepted (a handshake in flight takes one round trip).
const ACCEPT_QUEUE_SETTLE: Duration = Duration::from_millis(500);

/// The process's shutdown state, shared by the server, its handlers and the workers.
#[derive(Debug)]
pub struct Shutdown {
    draining: AtomicBool,
    stop: watch::Sender<bool>,
    /// When the workers were first asked to stop: their time to finish counts from then.
    stop_asked_at: OnceLock<Instant>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Self { draining: AtomicBool::new(false), stop: watch::channel(false).0, stop_asked_at: OnceLock::new() }
    }
}

impl Shutdown {
    /// Whether a drain has begun: readiness is refused from then on.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Relaxed)
    }

    pub fn begin_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Asks the background workers to stop after the item in hand.
    pub fn stop_workers(&self) {
        self.stop_asked_at.get_or_init(Instant::now);
        self.stop.send_replace(true);
    }

    /// When the workers must have finished, `timeout` after they were first asked to stop.
    pub fn workers_deadline(&self, timeout: Duration) -> Instant {
        *self.stop_asked_at.get_or_init(Instant::now) + timeout
    }

    /// Whether the workers have been asked to stop: checked between items of a batch.
    pub fn workers_stopping(&self) -> bool {
        *self.stop.borrow()
    }

    /// Resolves once the workers are asked to stop.
    pub async fn workers_stopped(&self) {
        let mut receiver = self.stop.subscribe();
        // An error means the sender is gone, which only happens when the process is ending.
        let _ = receiver.wait_for(|stopping| *stopping).await;
    }
}

/// While draining, every response closes its connection, so that keep-alive clients open a new
/// one (which the load balancer sends elsewhere) instead of holding this process.
pub async fn close_connections_while_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let shutdown = req.app_data::<web::Data<Shutdown>>().cloned();
    let mut response = next.call(req).await?;
    // Asked after the handler: a request in progress when the signal came closes too.
    if shutdown.is_some_and(|shutdown| shutdown.is_draining()) {
        response.response_mut().head_mut().set_connection_type(ConnectionType::Close);
    }
    Ok(response)
}

/// The listening socket, kept open beside the server's own handle to it, so that it can stop
/// taking new connections before the server lets go of it.
pub struct Listener {
    socket: socket2::Socket,
}

impl Listener {
    pub fn of(listener: &TcpListener) -> std::io::Result<Self> {
        let kept = Self { socket: socket2::Socket::from(listener.try_clone()?) };
        kept.check_filter_allowed();
        Ok(kept)
    }

    /// Some kernels refuse socket filters to unprivileged users (this project's test machines
    /// want CAP_NET_ADMIN): said at start, when an operator can still act, rather than at the
    /// end of a drain. A filter that lets everything through is attached and taken off again.
    fn check_filter_allowed(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            const RETURN: u16 = 0x06;
            let pass_all = [socket2::SockFilter::new(RETURN, 0, 0, u32::MAX)];
            match self.socket.attach_filter(&pass_all) {
                Ok(()) => {
                    let _ = self.socket.detach_filter();
                }
                Err(error) => log::warn!(
                    "this kernel refuses a socket filter to this process ({error}; CAP_NET_ADMIN may be needed): \
                     at the end of a drain, connections the kernel has already queued may be reset"
                ),
            }
        }
    }

    /// New connections stop completing: bare SYNs are dropped by a socket filter, while the
    /// last packets of handshakes already under way still pass. Elsewhere than Linux this does
    /// nothing, and the backlog's connections may be reset when the listener closes.
    fn refuse_new_connections(&self) {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            use socket2::SockFilter;
            // Classic BPF over the TCP header: load the flags byte, keep SYN and ACK, and drop
            // the packet when only SYN is set.
            const LOAD_BYTE_ABSOLUTE: u16 = 0x30;
            const AND_CONSTANT: u16 = 0x54;
            const JUMP_IF_EQUAL: u16 = 0x15;
            const RETURN: u16 = 0x06;
            const TCP_FLAGS_OFFSET: u32 = 13;
            const SYN: u32 = 0x02;
            const SYN_AND_ACK: u32 = 0x12;
            let program = [
                SockFilter::new(LOAD_BYTE_ABSOLUTE, 0, 0, TCP_FLAGS_OFFSET),
                SockFilter::new(AND_CONSTANT, 0, 0, SYN_AND_ACK),
                SockFilter::new(JUMP_IF_EQUAL, 0, 1, SYN),
                SockFilter::new(RETURN, 0, 0, 0),
                SockFilter::new(RETURN, 0, 0, u32::MAX),
            ];
            if let Err(error) = self.socket.attach_filter(&program) {
                log::warn!("cannot stop new connections before closing the listener: {error}");
            }
        }
    }
}

/// Waits for SIGTERM or SIGINT, drains, and stops the server; a second signal exits at once.
pub async fn on_signals(
    mut signals: Signals,
    shutdown: Arc<Shutdown>,
    server: ServerHandle,
    listener: Listener,
    drain: Duration,
) {
    let Some(first) = signals.next().await else { return };
    log::info!(
        "{first}: draining for {} s (/readyz answers 503, requests are still served); a second signal stops at once",
        drain.as_secs()
    );
    shutdown.begin_draining();
    actix_web::rt::spawn(async move {
        if let Some(second) = signals.next().await {
            log::warn!("{second} again: stopping at once");
            std::process::exit(1);
        }
    });
    actix_web::rt::time::sleep(drain).await;
    listener.refuse_new_connections();
    actix_web::rt::time::sleep(ACCEPT_QUEUE_SETTLE).await;
    log::info!("drain over: no new connections; answering the requests in progress");
    // The workers finish their item in hand while the requests in progress are answered.
    shutdown.stop_workers();
    let stopped = server.stop(true);
    // The server's handle to the socket goes with its accept loop; this one goes now, and only
    // then do new connections meet a refusal.
    drop(listener);
    stopped.await;
}

/// The termination signals, merged. Listened to from before the service says it listens, so
/// that a signal sent as soon as it is up drains like any other.
pub struct Signals {
    receiver: tokio::sync::mpsc::UnboundedReceiver<&'static str>,
}

impl Signals {
    /// Starts listening; must run inside the actix system.
    #[cfg(unix)]
    pub fn listen() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        for (kind, name) in [(SignalKind::terminate(), "SIGTERM"), (SignalKind::interrupt(), "SIGINT")] {
            let mut stream = signal(kind)?;
            let sender = sender.clone();
            actix_web::rt::spawn(async move {
                while stream.recv().await.is_some() {
                    if sender.send(name).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Self { receiver })
    }

    #[cfg(not(unix))]
    pub fn listen() -> std::io::Result<Self> {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        actix_web::rt::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if sender.send("Ctrl-C").is_err() {
                    break;
                }
            }
        });
        Ok(Self { receiver })
    }

    async fn next(&mut self) -> Option<&'static str> {
        self.receiver.recv().await
    }
}
