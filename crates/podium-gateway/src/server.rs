//! Serving: on one runtime (tests, embedding), or one single-threaded runtime per core.
//!
//! Per core is the production shape: each thread accepts from its own `SO_REUSEPORT` socket
//! and has its own multiplexed Redis connection, so a request is parsed, sent to Redis,
//! answered and encoded on one thread with no cross-thread wake-ups (in quick wrk runs on 2
//! cores, about a fifth more top-10 reads than one multi-threaded runtime).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;

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
    serve(listener, Shared::new(config), shutdown).await
}

async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = shared.config();
    let backend = Backend::new(config.redis.clone(), config.request_timeout);
    // Connect in the background so the first request does not pay for it.
    let warm = backend.clone();
    tokio::spawn(async move {
        let _ = warm.command(&vec![b"PING".to_vec()]).await;
    });
    let router = app(AppState::new(shared, backend));
    let listener = listener.tap_io(|tcp| {
        // Small JSON replies should leave at once, not wait for Nagle.
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

/// `threads` listening sockets on one address (port 0 picks one free port for all), for
/// [`run_per_core`]. Returns the bound address.
pub fn bind_per_core(
    address: SocketAddr,
    threads: usize,
) -> std::io::Result<(SocketAddr, Vec<std::net::TcpListener>)> {
    let first = reuse_port_listener(address)?;
    let bound = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..threads.max(1) {
        listeners.push(reuse_port_listener(bound)?);
    }
    Ok((bound, listeners))
}

fn reuse_port_listener(address: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    Ok(socket.into())
}

/// Serves each listener on its own thread and single-threaded runtime until `shutdown`
/// becomes true; blocks until every thread has finished its in-flight requests.
pub fn run_per_core(
    listeners: Vec<std::net::TcpListener>,
    config: GatewayConfig,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let shared = Shared::new(config);
    let threads: Vec<_> = listeners
        .into_iter()
        .enumerate()
        .map(|(index, listener)| {
            let shared = shared.clone();
            let mut shutdown = shutdown.clone();
            std::thread::Builder::new()
                .name(format!("gateway-{index}"))
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    runtime.block_on(async move {
                        let listener = TcpListener::from_std(listener)?;
                        let stop = async move {
                            let _ = shutdown.wait_for(|stop| *stop).await;
                        };
                        serve(listener, shared, stop).await
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
