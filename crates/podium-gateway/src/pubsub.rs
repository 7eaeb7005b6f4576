//! Pub/sub over REST, as Upstash serves it: `/subscribe/<channel>…` and `/psubscribe/<pattern>…`
//! answer with a stream of server-sent events, one `data:` line per event, in the comma-separated
//! shape the official client parses (`node_modules/@upstash/redis`, `Subscriber.handleMessage`):
//!
//! | event | line |
//! |---|---|
//! | subscribed | `data: subscribe,<channel>,<count>` / `data: psubscribe,<pattern>,<count>` |
//! | message | `data: message,<channel>,<message>` |
//! | pattern message | `data: pmessage,<pattern>,<channel>,<message>` |
//! | last event | `data: error,<channel or pattern>,<error text>`, then the stream ends |
//!
//! Each serving thread has one [`Hub`]: one Redis pub/sub connection for all of that thread's
//! subscribers. A channel or pattern is subscribed on Redis while at least one stream wants it
//! (counted per stream), and every message is fanned out to the streams without waiting for any
//! of them: each has a bounded buffer of [`SUBSCRIBER_BUFFER`] events, and a stream whose buffer
//! is full is dropped with a last `error` event. When the connection to Redis ends, every stream
//! ends with an `error` event; the next subscription connects again.
//!
//! On a cluster the hub subscribes on one node (the first seed that answers) through a plain
//! connection: a classic `PUBLISH` reaches every node of a Valkey/Redis cluster.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::response::sse::Event;
use futures::{Stream, StreamExt};
use percent_encoding::percent_decode;
use redis::aio::{PubSubSink, PubSubStream};
use tokio::sync::{mpsc, oneshot};

use crate::backend::{
    CONNECT_TIMEOUT, certificates, is_server_error, open_client, redis_error_text,
};
use crate::config::RedisConfig;
use crate::error::GatewayError;
use crate::mutex::lock;

/// Most channels (or patterns) one stream may subscribe to.
pub const MAX_NAMES_PER_STREAM: usize = 64;
/// Longest channel name or pattern accepted, in bytes (after URL decoding).
pub const MAX_NAME_BYTES: usize = 1024;
/// Events buffered for one stream whose client has not read them yet; one more and the stream
/// is dropped. The messages themselves are shared by every stream they are buffered for.
pub const SUBSCRIBER_BUFFER: usize = 512;
/// How often an idle stream gets an SSE comment, so that proxies keep it open and a client that
/// went away is noticed (and unsubscribed) even on a quiet channel.
pub const KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(15);

/// The last event of every stream when the connection to Redis ends.
const REDIS_GONE: &str = "ERR Redis is unavailable: the subscription ended, subscribe again";

/// Channels (SUBSCRIBE) or patterns (PSUBSCRIBE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Channel,
    Pattern,
}

impl Kind {
    /// The event type confirming a subscription, as Redis names it.
    fn confirmation(self) -> &'static str {
        match self {
            Self::Channel => "subscribe",
            Self::Pattern => "psubscribe",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::Channel => "channel",
            Self::Pattern => "pattern",
        }
    }
}

/// The channels or patterns of a `/subscribe/a/b` path (after the route's prefix): URL-decoded,
/// duplicates dropped, each one checked against the limits.
pub fn names_from_path(kind: Kind, rest: &str) -> Result<Vec<Vec<u8>>, GatewayError> {
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let noun = kind.noun();
    if rest.is_empty() {
        return Err(GatewayError::BadRequest(format!(
            "no {noun}: subscribe with /{}/<{noun}>",
            kind.confirmation()
        )));
    }
    let mut names: Vec<Vec<u8>> = Vec::new();
    for segment in rest.split('/') {
        let name: Vec<u8> = percent_decode(segment.as_bytes()).collect();
        if name.is_empty() {
            return Err(GatewayError::BadRequest(format!("empty {noun} name")));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(GatewayError::BadRequest(format!(
                "{noun} name too long: at most {MAX_NAME_BYTES} bytes"
            )));
        }
        if !names.contains(&name) {
            names.push(name);
        }
        if names.len() > MAX_NAMES_PER_STREAM {
            return Err(GatewayError::BadRequest(format!(
                "too many {noun}s: at most {MAX_NAMES_PER_STREAM} per subscription"
            )));
        }
    }
    Ok(names)
}

fn event(parts: &[&[u8]]) -> Event {
    let mut line = String::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        line.push_str(&String::from_utf8_lossy(part));
    }
    Event::default().data(line)
}

/// One serving thread's pub/sub: its connection to Redis and its subscribers. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    redis: RedisConfig,
    state: Mutex<State>,
    /// Held while connecting, so that concurrent first subscriptions make one connection.
    connecting: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.inner.state);
        f.debug_struct("Hub")
            .field("connected", &state.link.is_some())
            .field("streams", &state.streams.len())
            .field("topics", &state.topics.len())
            .finish()
    }
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// The live connection: where subscribe and unsubscribe commands go, in order.
    link: Option<Link>,
    /// Which streams want each channel or pattern; present while subscribed on Redis.
    topics: HashMap<(Kind, Vec<u8>), Vec<u64>>,
    streams: HashMap<u64, Slot>,
}

#[derive(Clone)]
struct Link {
    generation: u64,
    control: mpsc::UnboundedSender<Control>,
}

/// A stream's end of the fan-out.
struct Slot {
    kind: Kind,
    names: Vec<Vec<u8>>,
    events: mpsc::Sender<Arc<Event>>,
    /// The last event, sent when the hub drops the stream (too slow, Redis gone).
    farewell: oneshot::Sender<Event>,
}

/// A command for the connection's control task, which sends them to Redis one at a time in the
/// order they were queued (queued under the state lock, so that an UNSUBSCRIBE for the last
/// stream of a channel can never overtake a later stream's SUBSCRIBE).
enum Control {
    Subscribe {
        kind: Kind,
        names: Vec<Vec<u8>>,
        done: oneshot::Sender<Result<(), GatewayError>>,
    },
    Unsubscribe {
        kind: Kind,
        names: Vec<Vec<u8>>,
    },
}

impl Hub {
    pub fn new(redis: RedisConfig) -> Self {
        Self {
            inner: Arc::new(HubInner {
                redis,
                state: Mutex::default(),
                connecting: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Subscribes a new stream to `names`, answering once Redis has confirmed them all; `Err`
    /// (before any event) when Redis cannot be reached or refuses.
    pub async fn subscribe(
        &self,
        kind: Kind,
        names: Vec<Vec<u8>>,
    ) -> Result<Subscription, GatewayError> {
        let link = self.link().await?;
        let (events, receiver) = mpsc::channel(SUBSCRIBER_BUFFER);
        let (farewell, last) = oneshot::channel();
        let (done, confirmed) = oneshot::channel();
        let id = {
            let mut state = lock(&self.inner.state);
            if state.link.as_ref().map(|link| link.generation) != Some(link.generation) {
                // The connection ended while this request was connecting.
                return Err(GatewayError::Unavailable);
            }
            let id = state.next_id;
            state.next_id += 1;
            for name in &names {
                state
                    .topics
                    .entry((kind, name.clone()))
                    .or_default()
                    .push(id);
            }
            state.streams.insert(
                id,
                Slot {
                    kind,
                    names: names.clone(),
                    events,
                    farewell,
                },
            );
            // Sent even for channels other streams have subscribed already: SUBSCRIBE is
            // idempotent, and its answer tells this stream that Redis has the subscription
            // (another stream's may still be on its way).
            let queued = link.control.send(Control::Subscribe {
                kind,
                names: names.clone(),
                done,
            });
            if queued.is_err() {
                drop(state);
                self.leave(id);
                return Err(GatewayError::Unavailable);
            }
            id
        };
        // From here on, dropping the subscription (the client went away) unsubscribes.
        let subscription = Subscription {
            hub: self.clone(),
            id,
            greeting: names
                .iter()
                .enumerate()
                .map(|(index, name)| {
                    event(&[
                        kind.confirmation().as_bytes(),
                        name,
                        (index + 1).to_string().as_bytes(),
                    ])
                })
                .rev()
                .collect(),
            events: receiver,
            last: Some(last),
        };
        match confirmed.await {
            Ok(Ok(())) => Ok(subscription),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(GatewayError::Unavailable),
        }
    }

    /// The live connection, connecting first if there is none.
    async fn link(&self) -> Result<Link, GatewayError> {
        if let Some(link) = lock(&self.inner.state).link.clone() {
            return Ok(link);
        }
        let _connecting = self.inner.connecting.lock().await;
        if let Some(link) = lock(&self.inner.state).link.clone() {
            return Ok(link);
        }
        let (sink, stream) = connect(&self.inner.redis).await?.split();
        let (control, commands) = mpsc::unbounded_channel();
        let link = {
            let mut state = lock(&self.inner.state);
            let generation = state.next_id;
            state.next_id += 1;
            let link = Link {
                generation,
                control,
            };
            state.link = Some(link.clone());
            link
        };
        tokio::spawn(run_control(sink, commands));
        tokio::spawn(self.clone().fan_out(stream, link.generation));
        tracing::info!("pub/sub connected to Redis");
        Ok(link)
    }

    /// Delivers every message of the connection to the streams that want it, until the
    /// connection ends; then ends every stream.
    async fn fan_out(self, mut stream: PubSubStream, generation: u64) {
        while let Some(message) = stream.next().await {
            let channel: Vec<u8> = message.get_channel().unwrap_or_default();
            let payload = message.get_payload_bytes();
            let (topic, event) = match message.get_pattern::<Option<Vec<u8>>>() {
                Ok(Some(pattern)) => {
                    let event = event(&[b"pmessage", &pattern, &channel, payload]);
                    ((Kind::Pattern, pattern), event)
                }
                _ => {
                    let event = event(&[b"message", &channel, payload]);
                    ((Kind::Channel, channel), event)
                }
            };
            self.deliver(&topic, Arc::new(event));
        }
        tracing::warn!("pub/sub connection to Redis ended");
        let mut state = lock(&self.inner.state);
        if state.link.as_ref().map(|link| link.generation) == Some(generation) {
            state.link = None;
            state.topics.clear();
            for (_, slot) in state.streams.drain() {
                let name = slot.names.first().cloned().unwrap_or_default();
                let _ = slot.farewell.send(event_for(&name, REDIS_GONE));
            }
        }
    }

    /// Hands `event` to every stream of `topic` without waiting: a full buffer drops its stream.
    fn deliver(&self, topic: &(Kind, Vec<u8>), event: Arc<Event>) {
        let mut guard = lock(&self.inner.state);
        let state = &mut *guard;
        let Some(ids) = state.topics.get(topic) else {
            return;
        };
        let mut too_slow = Vec::new();
        for id in ids {
            if let Some(slot) = state.streams.get(id)
                && let Err(mpsc::error::TrySendError::Full(_)) = slot.events.try_send(event.clone())
            {
                too_slow.push(*id);
            }
        }
        for id in too_slow {
            if let Some(slot) = remove_stream(state, id) {
                let text = format!(
                    "ERR subscriber too slow: more than {SUBSCRIBER_BUFFER} undelivered messages"
                );
                let _ = slot.farewell.send(event_for(&topic.1, &text));
            }
        }
    }

    /// Forgets a stream, unsubscribing on Redis from what no other stream wants.
    fn leave(&self, id: u64) {
        let mut state = lock(&self.inner.state);
        remove_stream(&mut state, id);
    }
}

fn event_for(name: &[u8], text: &str) -> Event {
    event(&[b"error", name, text.as_bytes()])
}

/// Removes stream `id` and its share of each topic, queueing UNSUBSCRIBE (on the live
/// connection) for the topics nobody wants any more.
fn remove_stream(state: &mut State, id: u64) -> Option<Slot> {
    let slot = state.streams.remove(&id)?;
    let mut unused = Vec::new();
    for name in &slot.names {
        if let Entry::Occupied(mut entry) = state.topics.entry((slot.kind, name.clone())) {
            entry.get_mut().retain(|other| *other != id);
            if entry.get().is_empty() {
                entry.remove();
                unused.push(name.clone());
            }
        }
    }
    if !unused.is_empty()
        && let Some(link) = &state.link
    {
        let _ = link.control.send(Control::Unsubscribe {
            kind: slot.kind,
            names: unused,
        });
    }
    Some(slot)
}

/// Sends the queued commands to Redis in order; ends with the connection.
async fn run_control(mut sink: PubSubSink, mut commands: mpsc::UnboundedReceiver<Control>) {
    while let Some(command) = commands.recv().await {
        match command {
            Control::Subscribe { kind, names, done } => {
                let result = match kind {
                    Kind::Channel => sink.subscribe(&names).await,
                    Kind::Pattern => sink.psubscribe(&names).await,
                };
                let _ = done.send(result.map_err(|error| {
                    if is_server_error(&error) {
                        // Refused by Redis (an ACL without the channel): its text, as for commands.
                        GatewayError::Redis(redis_error_text(&error))
                    } else {
                        tracing::warn!(%error, "pub/sub subscribe failed");
                        GatewayError::Unavailable
                    }
                }));
            }
            Control::Unsubscribe { kind, names } => {
                let result = match kind {
                    Kind::Channel => sink.unsubscribe(&names).await,
                    Kind::Pattern => sink.punsubscribe(&names).await,
                };
                if let Err(error) = result {
                    tracing::debug!(%error, "pub/sub unsubscribe failed");
                }
            }
        }
    }
}

/// A pub/sub connection to the first server (cluster node) that answers.
async fn connect(redis: &RedisConfig) -> Result<redis::aio::PubSub, GatewayError> {
    let certificates = certificates(redis).map_err(|error| {
        tracing::warn!(%error, "cannot read the CA file");
        GatewayError::Unavailable
    })?;
    for url in &redis.urls {
        let attempt = async {
            open_client(url, certificates.clone())?
                .get_async_pubsub()
                .await
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
            Ok(Ok(pubsub)) => return Ok(pubsub),
            Ok(Err(error)) => tracing::warn!(%error, "pub/sub cannot connect to Redis"),
            Err(_) => tracing::warn!("pub/sub connection to Redis timed out"),
        }
    }
    Err(GatewayError::Unavailable)
}

/// One subscriber's stream of events: the confirmations, then the messages, then (if the hub
/// dropped it) the last event. Dropping it unsubscribes.
pub struct Subscription {
    hub: Hub,
    id: u64,
    /// The confirmations still to send, last first.
    greeting: Vec<Event>,
    events: mpsc::Receiver<Arc<Event>>,
    last: Option<oneshot::Receiver<Event>>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Stream for Subscription {
    type Item = Result<Event, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(event) = self.greeting.pop() {
            return Poll::Ready(Some(Ok(event)));
        }
        match self.events.poll_recv(cx) {
            // Copied out of the shared message only now, as it is written to the client.
            Poll::Ready(Some(event)) => Poll::Ready(Some(Ok(Event::clone(&event)))),
            Poll::Ready(None) => {
                // The hub dropped this stream; it sent the last event before letting go.
                let last = self.last.take().and_then(|mut last| last.try_recv().ok());
                Poll::Ready(last.map(Ok))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.leave(self.id);
    }
}
