//! The serving threads: questions read over UDP, and over TCP connections that carry several.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::answer::handle;
use super::{Shared, Transport, POLL};

/// A client that stops reading must not keep `Drop` waiting on a full socket buffer forever.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

fn is_timeout(kind: ErrorKind) -> bool {
    matches!(kind, ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted)
}

pub(super) fn serve_udp(socket: &UdpSocket, shared: &Shared) {
    let mut buffer = vec![0; usize::from(u16::MAX)];
    while !shared.stopped() {
        let (len, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(e) if is_timeout(e.kind()) => continue,
            Err(_) => {
                // e.g. an ICMP error from an earlier reply: the socket itself is still good.
                thread::sleep(POLL);
                continue;
            }
        };
        if let Some(reply) = handle(shared, Transport::Udp, &buffer[..len]) {
            // The client may have given up already; nothing to do about it.
            let _ = socket.send_to(&reply, peer);
        }
    }
}

pub(super) fn serve_tcp(listener: &TcpListener, shared: &Arc<Shared>) {
    let mut connections: Vec<JoinHandle<()>> = Vec::new();
    while !shared.stopped() {
        match listener.accept() {
            Ok((stream, _)) => {
                let shared = Arc::clone(shared);
                if let Ok(connection) = thread::Builder::new()
                    .name("dns-tcp-connection".to_owned())
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

/// Serves queries until the client closes: resolvers reuse one connection for several questions.
fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    // An accepted socket may inherit the listener's non-blocking mode on some platforms.
    let configured = stream.set_nonblocking(false).is_ok()
        && stream.set_read_timeout(Some(POLL)).is_ok()
        && stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_ok();
    if !configured {
        return;
    }
    let _ = stream.set_nodelay(true);
    loop {
        let mut prefix = [0; 2];
        if !read_full(&mut stream, &mut prefix, shared) {
            return;
        }
        let mut request = vec![0; usize::from(u16::from_be_bytes(prefix))];
        if !read_full(&mut stream, &mut request, shared) {
            return;
        }
        let Some(reply) = handle(shared, Transport::Tcp, &request) else { continue };
        let Ok(len) = u16::try_from(reply.len()) else { return };
        let mut framed = Vec::with_capacity(reply.len() + 2);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(&reply);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

/// Like `read_exact`, but survives the short read timeouts (which `read_exact` would turn into a
/// lost partial read) and gives up when the server stops. False on end of stream, error or stop.
fn read_full(stream: &mut TcpStream, buffer: &mut [u8], shared: &Shared) -> bool {
    let mut filled = 0;
    while filled < buffer.len() {
        if shared.stopped() {
            return false;
        }
        match stream.read(&mut buffer[filled..]) {
            Ok(0) => return false,
            Ok(read) => filled += read,
            Err(e) if is_timeout(e.kind()) => {}
            Err(_) => return false,
        }
    }
    true
}
