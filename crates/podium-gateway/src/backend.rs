//! The connection to Valkey/Redis: one multiplexed, self-reconnecting connection (or a cluster
//! connection) shared by every request, opened lazily so the gateway starts and answers
//! `503` while Redis is down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::cluster_routing::Slot;
use redis::{Cmd, Pipeline, RedisError, TlsCertificates, Value};
use tokio::sync::{OnceCell, oneshot};

use crate::coalesce::Coalescer;
use crate::config::RedisConfig;
use crate::error::GatewayError;
use crate::mutex::lock;
use crate::policy;
use crate::reply::{PipelineReply, SharedReply, server_error_text};
use crate::request::CommandArgs;

/// How long one attempt to (re)connect may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Error codes with which a running server refuses every command for a while: loading its data
/// after a restart, stuck in a script past its time limit, a replica cut off from its primary.
/// Such a request is answered like Redis being down (503), not like a client mistake (400).
const NOT_READY_CODES: [&str; 3] = ["LOADING", "BUSY", "MASTERDOWN"];

/// What every request of a coalesced flight gets.
type SharedResult = Result<Arc<SharedReply>, GatewayError>;

#[derive(Clone)]
enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// A shared handle to Redis; cheap to clone.
#[derive(Clone)]
pub struct Backend {
    inner: Arc<Inner>,
}

struct Inner {
    config: RedisConfig,
    request_timeout: Duration,
    connection: OnceCell<Connection>,
    /// Whether the last exchange with Redis worked; exported as a metric.
    healthy: AtomicBool,
    /// Open flights of identical reads, when coalescing is on.
    coalescer: Option<Coalescer<Arc<CommandArgs>, SharedResult>>,
    /// Single commands waiting to leave together (see [`Backend::batched`]).
    batch: Mutex<Batch>,
}

/// Commands waiting to be sent together, and whether a flush is on its way to send them.
#[derive(Default)]
struct Batch {
    commands: Vec<(Cmd, oneshot::Sender<Result<Value, RedisError>>)>,
    flushing: bool,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("cluster", &self.inner.config.cluster)
            .field("healthy", &self.is_healthy())
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// A backend that connects on first use; `coalesce_reads` lets identical concurrent reads
    /// share one trip to Redis (see [`Backend::shared_command`]).
    pub fn new(config: RedisConfig, request_timeout: Duration, coalesce_reads: bool) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                request_timeout,
                connection: OnceCell::new(),
                healthy: AtomicBool::new(false),
                coalescer: coalesce_reads.then(Coalescer::default),
                batch: Mutex::default(),
            }),
        }
    }

    pub fn is_healthy(&self) -> bool {
        self.inner.healthy.load(Ordering::Relaxed)
    }

    /// Runs one command.
    pub async fn command(&self, command: &CommandArgs) -> Result<Value, GatewayError> {
        self.run_until(self.deadline(), command).await
    }

    async fn run_until(
        &self,
        deadline: tokio::time::Instant,
        command: &CommandArgs,
    ) -> Result<Value, GatewayError> {
        let cmd = to_cmd(command);
        self.run(deadline, |mut connection| async move {
            match &mut connection {
                Connection::Single(c) => self.batched(c.clone(), cmd).await,
                Connection::Cluster(c) => c.req_packed_command(&cmd).await,
            }
        })
        .await
        .and_then(|value| match value {
            Value::ServerError(error) => Err(self.server_error(server_error_text(&error))),
            value => Ok(value),
        })
    }

    /// Runs one command of a single-command request. Identical deterministic reads share
    /// trips to Redis (the `coalesce` module says how, and why that is safe); the flag is true
    /// when this request's answer came from a trip another request made.
    pub async fn shared_command(
        &self,
        command: CommandArgs,
    ) -> Result<(Arc<SharedReply>, bool), GatewayError> {
        let deadline = self.deadline();
        if policy::is_kill(&command) {
            let value = self.run_on_own_connection(deadline, &command).await?;
            return Ok((Arc::new(SharedReply::new(value)), false));
        }
        match &self.inner.coalescer {
            Some(coalescer) if policy::is_shareable(&command) => {
                let backend = self.clone();
                let (flight, boarded) =
                    coalescer.join(Arc::new(command), deadline, move |command| async move {
                        let value = backend.run_until(deadline, &command).await?;
                        Ok(Arc::new(SharedReply::new(value)))
                    });
                Ok((flight.await?, boarded))
            }
            _ => Ok((
                Arc::new(SharedReply::new(self.run_until(deadline, &command).await?)),
                false,
            )),
        }
    }

    /// Sends `cmd` together with the other single commands asked for in this turn of the
    /// runtime and the next: one pipeline, one write, one reply to read.
    ///
    /// The multiplexed connection alone writes whatever has queued up each time its task runs.
    /// Waiting one more turn gathers more per write, so Valkey wakes up less often and, on a
    /// machine shared with the clients, leaves them the CPU (docs/benchmarks.md has the p99
    /// latencies). A lone command waits one turn. (Not on a cluster, where commands go to
    /// different nodes.)
    async fn batched(&self, connection: ConnectionManager, cmd: Cmd) -> Result<Value, RedisError> {
        let (sender, receiver) = oneshot::channel();
        let first = {
            let mut batch = lock(&self.inner.batch);
            batch.commands.push((cmd, sender));
            !std::mem::replace(&mut batch.flushing, true)
        };
        if first {
            let backend = self.clone();
            tokio::spawn(async move { backend.flush(connection).await });
        }
        receiver.await.unwrap_or_else(|_| {
            Err(RedisError::from((
                redis::ErrorKind::Io,
                "the batch was dropped before it was sent",
            )))
        })
    }

    /// Sends the waiting batch, after letting this turn's and the next turn's requests join it.
    async fn flush(&self, mut connection: ConnectionManager) {
        tokio::task::yield_now().await;
        let commands = {
            let mut batch = lock(&self.inner.batch);
            batch.flushing = false;
            std::mem::take(&mut batch.commands)
        };
        if commands.len() <= 1 {
            for (cmd, sender) in commands {
                let _ = sender.send(connection.req_packed_command(&cmd).await);
            }
            return;
        }
        let mut pipe = Pipeline::with_capacity(commands.len());
        let mut senders = Vec::with_capacity(commands.len());
        for (cmd, sender) in commands {
            pipe.add_command(cmd);
            senders.push(sender);
        }
        match connection
            .req_packed_commands(&pipe, 0, senders.len())
            .await
        {
            // Redis's error replies are values here, each for its own request.
            Ok(values) => {
                for (sender, value) in senders.into_iter().zip(values) {
                    let _ = sender.send(Ok(value));
                }
            }
            Err(error) => {
                // A reply redis-rs cannot read (an error line that is not UTF-8) fails the whole
                // pipeline and resets the connection. Whose reply it was is not known, so no
                // request is told its command was at fault: each gets what a reset connection
                // gives, a 503 to retry.
                let error = if error.kind() == redis::ErrorKind::Parse {
                    RedisError::from((
                        redis::ErrorKind::Io,
                        "the connection was reset after a reply that could not be read",
                    ))
                } else {
                    error
                };
                for sender in senders {
                    let _ = sender.send(Err(error.clone()));
                }
            }
        }
    }

    /// A whole request's error from Redis's error text: [`GatewayError::Unavailable`] when the
    /// server is not ready to serve anything, else the text as is.
    fn server_error(&self, text: String) -> GatewayError {
        if is_not_ready(&text) {
            self.inner.healthy.store(false, Ordering::Relaxed);
            tracing::warn!(error = %text, "Redis is not ready");
            GatewayError::Unavailable
        } else {
            GatewayError::Redis(text)
        }
    }

    /// Replies of a pipeline or transaction, or `Unavailable` when the server was not ready:
    /// it then refuses every command, so no entry would carry a real answer.
    fn unless_not_ready(
        &self,
        replies: Vec<PipelineReply>,
    ) -> Result<Vec<PipelineReply>, GatewayError> {
        match replies
            .iter()
            .find_map(|reply| reply.as_ref().err().filter(|text| is_not_ready(text)))
        {
            Some(text) => Err(self.server_error(text.clone())),
            None => Ok(replies),
        }
    }

    /// Runs commands as one RESP pipeline (one write, one read), returning one reply each.
    ///
    /// On a cluster, commands are grouped by the slot of their first key and each group is
    /// pipelined to its node, all groups at once; order is kept within a slot, which is all
    /// that can be observed.
    pub async fn pipeline(
        &self,
        commands: &[CommandArgs],
    ) -> Result<Vec<PipelineReply>, GatewayError> {
        self.run(self.deadline(), |connection| async move {
            match connection {
                Connection::Single(mut c) => {
                    let pipe = to_pipeline(commands.iter());
                    let values = c.req_packed_commands(&pipe, 0, commands.len()).await?;
                    Ok(values.into_iter().map(into_reply).collect())
                }
                Connection::Cluster(c) => cluster_pipeline(c, commands).await,
            }
        })
        .await
        .and_then(|replies| self.unless_not_ready(replies))
    }

    /// Runs commands in MULTI … EXEC.
    ///
    /// MULTI, the commands and EXEC go out as one contiguous frame on the multiplexed
    /// connection, so no other request's command can land inside the transaction: for its
    /// duration the connection is as good as held exclusively, without the cost of a
    /// dedicated connection per transaction. A transaction Redis discards (EXECABORT) is an
    /// error for the whole request.
    pub async fn transaction(
        &self,
        commands: &[CommandArgs],
    ) -> Result<Vec<PipelineReply>, GatewayError> {
        let multi = vec![b"MULTI".to_vec()];
        let exec = vec![b"EXEC".to_vec()];
        let pipe = to_pipeline(std::iter::once(&multi).chain(commands).chain([&exec]));
        let count = commands.len() + 2;
        let mut replies = self
            .run(self.deadline(), |mut connection| async move {
                match &mut connection {
                    Connection::Single(c) => c.req_packed_commands(&pipe, 0, count).await,
                    Connection::Cluster(c) => c.req_packed_commands(&pipe, 0, count).await,
                }
            })
            .await?;
        match replies.pop() {
            Some(Value::Array(results)) => {
                self.unless_not_ready(results.into_iter().map(into_reply).collect())
            }
            Some(Value::ServerError(error)) => Err(self.server_error(server_error_text(&error))),
            _ => {
                // MULTI itself failed, or the reply is not an EXEC reply: report the first error.
                let first_error = replies.iter().find_map(|reply| match reply {
                    Value::ServerError(error) => Some(server_error_text(error)),
                    _ => None,
                });
                Err(self.server_error(
                    first_error.unwrap_or_else(|| "EXECABORT Transaction discarded".to_owned()),
                ))
            }
        }
    }

    /// When a request starting now must have its answer.
    fn deadline(&self) -> tokio::time::Instant {
        tokio::time::Instant::now() + self.inner.request_timeout
    }

    /// Runs one command on a connection opened for it alone and closed after it: SCRIPT KILL
    /// and FUNCTION KILL. On the shared connection they would wait behind the very script they
    /// are meant to end, if a request of this thread started it.
    async fn run_on_own_connection(
        &self,
        deadline: tokio::time::Instant,
        command: &CommandArgs,
    ) -> Result<Value, GatewayError> {
        let cmd = to_cmd(command);
        let own = async {
            connect(&self.inner.config, self.inner.request_timeout)
                .await
                .map_err(|error| {
                    tracing::warn!(%error, "cannot connect to Redis");
                    Failure::Connection
                })
        };
        self.run_on(deadline, own, |mut connection| async move {
            match &mut connection {
                Connection::Single(c) => c.req_packed_command(&cmd).await,
                Connection::Cluster(c) => c.req_packed_command(&cmd).await,
            }
        })
        .await
        .and_then(|value| match value {
            Value::ServerError(error) => Err(self.server_error(server_error_text(&error))),
            value => Ok(value),
        })
    }

    async fn run<T, F, Fut>(
        &self,
        deadline: tokio::time::Instant,
        exchange: F,
    ) -> Result<T, GatewayError>
    where
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        self.run_on(deadline, self.connection(), exchange).await
    }

    /// Runs `exchange` on the connection `connection` gives, within `deadline`, and turns its
    /// failures into the gateway's.
    async fn run_on<T, C, F, Fut>(
        &self,
        deadline: tokio::time::Instant,
        connection: C,
        exchange: F,
    ) -> Result<T, GatewayError>
    where
        C: Future<Output = Result<Connection, Failure>>,
        F: FnOnce(Connection) -> Fut,
        Fut: Future<Output = Result<T, RedisError>>,
    {
        let timeout = self.inner.request_timeout;
        let result = tokio::time::timeout_at(deadline, async {
            let connection = connection.await?;
            exchange(connection).await.map_err(|error| {
                if is_server_error(&error) {
                    // Redis answered; the connection is fine.
                    Failure::Server(error)
                } else if error.is_timeout() {
                    Failure::Timeout
                } else if error.kind() == redis::ErrorKind::Parse {
                    // Redis answered, but with a status or error line that is not UTF-8 (an
                    // error quoting the client's bytes, or a script's own): redis-rs cannot read
                    // it and reconnects. The request caused it; the server is fine.
                    tracing::debug!(%error, "Redis reply not readable");
                    Failure::Unreadable
                } else {
                    tracing::warn!(%error, "Redis request failed");
                    Failure::Connection
                }
            })
        })
        .await
        .unwrap_or(Err(Failure::Timeout));
        match result {
            Ok(value) => {
                self.inner.healthy.store(true, Ordering::Relaxed);
                Ok(value)
            }
            Err(Failure::Server(error)) => Err(self.server_error(redis_error_text(&error))),
            Err(Failure::Connection) => {
                self.inner.healthy.store(false, Ordering::Relaxed);
                Err(GatewayError::Unavailable)
            }
            Err(Failure::Unreadable) => Err(GatewayError::BadRequest(
                "Redis answered with a status or error that is not UTF-8 text".into(),
            )),
            Err(Failure::Timeout) => {
                self.inner.healthy.store(false, Ordering::Relaxed);
                tracing::warn!(
                    timeout_ms = timeout.as_millis() as u64,
                    "Redis did not answer in time"
                );
                Err(GatewayError::Timeout)
            }
        }
    }

    /// The shared connection, connecting first if there is none yet. Once made, the
    /// connection reconnects by itself; until then every request tries again.
    async fn connection(&self) -> Result<Connection, Failure> {
        let inner = &self.inner;
        inner
            .connection
            .get_or_try_init(|| async {
                let connection = connect(&inner.config, inner.request_timeout).await;
                match &connection {
                    Ok(_) => tracing::info!(cluster = inner.config.cluster, "connected to Redis"),
                    Err(error) => tracing::warn!(%error, "cannot connect to Redis"),
                }
                connection.map_err(|_| Failure::Connection)
            })
            .await
            .cloned()
    }
}

enum Failure {
    Server(RedisError),
    /// A reply redis-rs cannot parse: a status or error line that is not UTF-8.
    Unreadable,
    Connection,
    Timeout,
}

async fn connect(
    config: &RedisConfig,
    response_timeout: Duration,
) -> Result<Connection, RedisError> {
    let certificates = certificates(config)?;
    if config.cluster {
        let mut builder = ClusterClientBuilder::new(config.urls.clone())
            .connection_timeout(CONNECT_TIMEOUT)
            .response_timeout(response_timeout);
        if let Some(certificates) = certificates {
            builder = builder.certs(certificates);
        }
        let client = builder.build()?;
        return Ok(Connection::Cluster(client.get_async_connection().await?));
    }
    let url = config.urls.first().map(String::as_str).unwrap_or_default();
    let client = open_client(url, certificates)?;
    let manager_config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        // Each request is already bounded by `run`'s timeout; a second timer per command
        // would only cost time on the hot path.
        .set_response_timeout(None)
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    let manager = ConnectionManager::new_with_config(client, manager_config).await?;
    Ok(Connection::Single(manager))
}

/// The CA bundle to trust for `rediss://`, when the configuration names one.
pub(crate) fn certificates(config: &RedisConfig) -> Result<Option<TlsCertificates>, RedisError> {
    let Some(path) = &config.ca_file else {
        return Ok(None);
    };
    Ok(Some(TlsCertificates {
        client_tls: None,
        root_cert: Some(std::fs::read(path).map_err(|error| {
            RedisError::from((
                redis::ErrorKind::Io,
                "cannot read the CA file",
                error.to_string(),
            ))
        })?),
    }))
}

/// A client for one server (one node, for a cluster), trusting `certificates` for TLS.
pub(crate) fn open_client(
    url: &str,
    certificates: Option<TlsCertificates>,
) -> Result<redis::Client, RedisError> {
    match certificates {
        Some(certificates) => redis::Client::build_with_tls(url, certificates),
        None => redis::Client::open(url),
    }
}

fn into_reply(value: Value) -> PipelineReply {
    match value {
        Value::ServerError(error) => Err(server_error_text(&error)),
        value => Ok(value),
    }
}

fn to_pipeline<'a>(commands: impl Iterator<Item = &'a CommandArgs>) -> Pipeline {
    let mut pipe = Pipeline::new();
    for command in commands {
        pipe.add_command(to_cmd(command));
    }
    pipe
}

/// Pipelines on a cluster: one sub-pipeline per slot, sent concurrently, replies put back in
/// request order. A group that redis-rs still finds cross-slot (a command whose key is not
/// where `first_key` looked) runs one command at a time instead.
async fn cluster_pipeline(
    connection: ClusterConnection,
    commands: &[CommandArgs],
) -> Result<Vec<PipelineReply>, RedisError> {
    let mut groups: Vec<(Option<Slot>, Vec<usize>)> = Vec::new();
    for (index, command) in commands.iter().enumerate() {
        let slot = policy::first_key(command).map(Slot::for_key);
        match groups
            .iter_mut()
            .find(|(group_slot, _)| slot.is_some() && *group_slot == slot)
        {
            Some((_, indexes)) => indexes.push(index),
            None => groups.push((slot, vec![index])),
        }
    }
    let runs = groups.into_iter().map(|(slot, indexes)| {
        let mut connection = connection.clone();
        async move {
            let group = indexes.iter().map(|&index| &commands[index]);
            if slot.is_some() {
                let pipe = to_pipeline(group.clone());
                match connection
                    .req_packed_commands(&pipe, 0, indexes.len())
                    .await
                {
                    Ok(values) => {
                        return Ok((indexes, values.into_iter().map(into_reply).collect()));
                    }
                    Err(error) if error.code() == Some("CROSSSLOT") => {}
                    Err(error) => return Err(error),
                }
            }
            let mut replies = Vec::with_capacity(indexes.len());
            for command in group {
                replies.push(
                    match connection.req_packed_command(&to_cmd(command)).await {
                        Ok(value) => into_reply(value),
                        Err(error) if is_server_error(&error) => Err(redis_error_text(&error)),
                        Err(error) => return Err(error),
                    },
                );
            }
            Ok((indexes, replies))
        }
    });
    let mut ordered: Vec<Option<PipelineReply>> = vec![None; commands.len()];
    for (indexes, replies) in futures::future::try_join_all(runs).await? {
        for (index, reply) in indexes.into_iter().zip(replies) {
            ordered[index] = Some(reply);
        }
    }
    Ok(ordered
        .into_iter()
        .map(|reply| reply.unwrap_or_else(|| Err("ERR no reply".to_owned())))
        .collect())
}

fn to_cmd(command: &CommandArgs) -> Cmd {
    let mut cmd = Cmd::new();
    for arg in command {
        cmd.arg(arg.as_slice());
    }
    cmd
}

/// Whether Redis's error text starts with one of [`NOT_READY_CODES`].
fn is_not_ready(text: &str) -> bool {
    let code = text.split_once(' ').map_or(text, |(code, _)| code);
    NOT_READY_CODES.contains(&code)
}

/// Errors Redis itself sent (as opposed to I/O and protocol failures).
pub(crate) fn is_server_error(error: &RedisError) -> bool {
    !error.is_io_error()
        && !error.is_timeout()
        && !error.is_connection_dropped()
        && !error.is_connection_refusal()
        && error.code().is_some()
}

pub(crate) fn redis_error_text(error: &RedisError) -> String {
    match (error.code(), error.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (Some(code), None) => code.to_owned(),
        _ => error.to_string(),
    }
}
