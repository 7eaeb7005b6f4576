//! Serving: on one runtime (tests, embedding), or one single-threaded runtime per core.
//!
//! Per core is the production shape: each thread has its own runtime and its own multiplexed
//! Redis connection, so a request is parsed, sent to Redis, answered and encoded on one
//! thread with no cross-thread wake-ups. One acceptor deals the connections out in
//! turn, so every thread carries the same number of clients (with one `SO_REUSEPORT` socket
//! per thread, a hash of each connection's addresses would decide, and nothing would keep the
//! split even).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::{Listener, ListenerExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use crate::app::{AppState, Shared, app};
use crate::backend::Backend;
use crate::config::GatewayConfig;

/// Serves the gateway on `listener` until `shutdown` resolves, then lets in-flight requests
/// finish.
pub async fn run(
    listener: TcpListener,
    config: GatewayConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = listener.tap_io(|tcp| {
        // Small JSON replies should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    serve(listener, Shared::new(config), shutdown).await
}

async fn serve(
    listener: impl Listener<Io = TcpStream, Addr = SocketAddr>,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = shared.config();
    let backend = Backend::new(
        config.redis.clone(),
        config.request_timeout,
        config.coalesce_reads,
    );
    // Connect in the background so the first request does not pay for it.
    let warm = backend.clone();
    let check_rights = !config.allow_dangerous_commands && shared.claim_rights_check();
    tokio::spawn(async move {
        if warm.command(&vec![b"PING".to_vec()]).await.is_ok() && check_rights {
            warn_if_scripts_can_do_more(&warm).await;
        }
    });
    let router = app(AppState::new(shared, backend));
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// Asks Redis, once, which of the commands the gateway refuses its own Redis user may still
/// run: a script sent with the full token runs with that user's rights, so for the gateway's
/// refusals to hold inside scripts the user must be denied them (`--print-acl-rules`). Only
/// command names are logged; a server that cannot answer (`redis.acl_check_cmd` is Redis 7 and
/// Valkey) is not guessed about.
async fn warn_if_scripts_can_do_more(backend: &Backend) {
    const CHECK: &str = "local allowed = {} \
        for _, command in ipairs(ARGV) do \
          local parts = {} \
          for part in command:gmatch('[^|]+') do parts[#parts + 1] = part end \
          local ok, yes = pcall(redis.acl_check_cmd, unpack(parts)) \
          if ok and yes then allowed[#allowed + 1] = command end \
        end \
        return allowed";
    let denied = crate::policy::acl_denied();
    let mut check: Vec<Vec<u8>> = vec![b"EVAL".to_vec(), CHECK.into(), b"0".to_vec()];
    check.extend(denied.iter().map(|command| command.join("|").into_bytes()));
    match backend.command(&check).await {
        Ok(redis::Value::Array(allowed)) if allowed.is_empty() => tracing::info!(
            "the Redis user is denied every command the gateway refuses, inside scripts too"
        ),
        Ok(redis::Value::Array(allowed)) => {
            let names: Vec<String> = allowed
                .iter()
                .filter_map(|name| match name {
                    redis::Value::BulkString(name) => Some(String::from_utf8_lossy(name).into()),
                    _ => None,
                })
                .collect();
            tracing::warn!(
                commands = names.join(" "),
                "the Redis user may run commands the gateway refuses, and so may scripts sent \
                 with the full token: connect as a user with the rules of \
                 `podium-gateway --print-acl-rules`"
            );
        }
        Ok(_) | Err(_) => {
            tracing::debug!("cannot check which commands the Redis user may run");
        }
    }
}

/// Binds the gateway's listening socket for [`run_per_core`] (port 0 picks a free port).
/// Returns the bound address.
pub fn bind(address: SocketAddr) -> std::io::Result<(SocketAddr, std::net::TcpListener)> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    let listener: std::net::TcpListener = socket.into();
    Ok((listener.local_addr()?, listener))
}

/// Serves on `threads` threads, each with its own single-threaded runtime, until `shutdown`
/// becomes true; blocks until every thread has finished its in-flight requests.
pub fn run_per_core(
    listener: std::net::TcpListener,
    threads: usize,
    config: GatewayConfig,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let shared = Shared::new(config);
    let address = listener.local_addr()?;
    let (hands, handoffs): (Vec<_>, Vec<_>) = (0..threads.max(1))
        .map(|_| {
            let (hand, receiver) = mpsc::unbounded_channel();
            (hand, Handoff { receiver, address })
        })
        .unzip();
    let mut acceptor = Some((listener, hands));
    let threads: Vec<_> = handoffs
        .into_iter()
        .enumerate()
        .map(|(index, handoff)| {
            let shared = shared.clone();
            let mut shutdown = shutdown.clone();
            // The first thread also runs the acceptor.
            let acceptor = acceptor.take();
            std::thread::Builder::new()
                .name(format!("gateway-{index}"))
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async move {
                        if let Some((listener, hands)) = acceptor {
                            let listener = TcpListener::from_std(listener)?;
                            let mut stop = shutdown.clone();
                            tokio::spawn(async move {
                                tokio::select! {
                                    () = deal(listener, hands) => {}
                                    _ = stop.wait_for(|stop| *stop) => {}
                                }
                            });
                        }
                        let stop = async move {
                            let _ = shutdown.wait_for(|stop| *stop).await;
                        };
                        serve(handoff, shared, stop).await
                    })
                })
        })
        .collect::<std::io::Result<_>>()?;
    for thread in threads {
        thread
            .join()
            .map_err(|_| std::io::Error::other("a gateway thread panicked"))??;
    }
    Ok(())
}

/// Accepts connections and hands them to the serving threads in turn.
async fn deal(mut listener: TcpListener, hands: Vec<mpsc::UnboundedSender<std::net::TcpStream>>) {
    for hand in hands.iter().cycle() {
        let (tcp, _) = Listener::accept(&mut listener).await;
        // Small JSON replies should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
        // A stream is registered with the runtime that accepted it; it moves as a plain socket.
        match tcp.into_std() {
            Ok(tcp) => {
                let _ = hand.send(tcp);
            }
            Err(error) => tracing::warn!(%error, "cannot hand over a connection"),
        }
    }
}

/// A serving thread's end of the acceptor: connections arrive here instead of from a socket.
struct Handoff {
    receiver: mpsc::UnboundedReceiver<std::net::TcpStream>,
    address: SocketAddr,
}

impl Listener for Handoff {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            let Some(tcp) = self.receiver.recv().await else {
                // The acceptor has stopped: so is the server, which stops asking soon.
                return std::future::pending().await;
            };
            match TcpStream::from_std(tcp) {
                Ok(tcp) => {
                    let peer = tcp.peer_addr().unwrap_or(self.address);
                    return (tcp, peer);
                }
                Err(error) => tracing::warn!(%error, "cannot take over a connection"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.address)
    }
}
