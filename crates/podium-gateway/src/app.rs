//! The HTTP surface: the Upstash REST routes, `/_health` and `/_metrics`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use futures::StreamExt;
use podium_core::{Secret, bearer_token};

use crate::backend::Backend;
use crate::config::GatewayConfig;
use crate::cors::CorsLayer;
use crate::error::GatewayError;
use crate::metrics::Metrics;
use crate::policy::{CommandClass, MAX_KEY_BYTES, RefusalReason, classify, first_key};
use crate::pubsub::{self, Hub, KEEP_ALIVE_INTERVAL, Kind};
use crate::reply::{self, Encoding, PipelineReply};
use crate::request::{self, CommandArgs};

const SYNC_TOKEN: HeaderName = HeaderName::from_static("upstash-sync-token");
const ENCODING: HeaderName = HeaderName::from_static("upstash-encoding");
const RESPONSE_FORMAT: HeaderName = HeaderName::from_static("upstash-response-format");
const ACCEL_BUFFERING: HeaderName = HeaderName::from_static("x-accel-buffering");

/// What all runtimes of one gateway share: configuration, metrics and the sync token.
#[derive(Debug)]
pub struct Shared {
    config: GatewayConfig,
    metrics: Metrics,
    /// Changes after every write so that clients can tell their writes were seen.
    sync: AtomicU64,
    /// Whether a runtime has checked the rights of the gateway's Redis user (once is enough).
    rights_checked: AtomicBool,
}

impl Shared {
    pub fn new(config: GatewayConfig) -> Arc<Self> {
        // Start from the clock so tokens differ across restarts.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| elapsed.as_micros() as u64)
            .unwrap_or_default();
        Arc::new(Self {
            config,
            metrics: Metrics::new(),
            sync: AtomicU64::new(seed),
            rights_checked: AtomicBool::new(false),
        })
    }

    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// True for the first caller only: the runtime that checks the Redis user's rights.
    pub(crate) fn claim_rights_check(&self) -> bool {
        !self.rights_checked.swap(true, Ordering::Relaxed)
    }
}

/// One runtime's view: the shared state, that runtime's Redis connection and its pub/sub
/// connection. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    shared: Arc<Shared>,
    backend: Backend,
    pubsub: Hub,
}

impl AppState {
    pub fn new(shared: Arc<Shared>, backend: Backend) -> Self {
        let pubsub = Hub::new(shared.config.redis.clone());
        Self {
            shared,
            backend,
            pubsub,
        }
    }
}

/// The gateway's router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/_health", get(health))
        .route("/_metrics", get(metrics))
        .route("/pipeline", any(pipeline))
        .route("/multi-exec", any(multi_exec))
        // Before the fallback, which would take `subscribe` for a command and refuse it.
        .route("/subscribe", any(subscribe))
        .route("/subscribe/", any(subscribe))
        .route("/subscribe/{*channels}", any(subscribe))
        .route("/psubscribe", any(psubscribe))
        .route("/psubscribe/", any(psubscribe))
        .route("/psubscribe/{*patterns}", any(psubscribe))
        .fallback(single)
        .layer(CorsLayer)
        .with_state(state)
}

/// Which commands the caller's token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Full,
    ReadOnly,
}

/// What the client asked the reply to look like.
#[derive(Debug, Clone, Copy)]
enum Format {
    Json(Encoding),
    Resp2,
}

/// The parts of a request every command route needs, checked in the protocol's order:
/// method (405), token (401), body size (400), format headers (400).
struct Checked {
    access: Access,
    format: Format,
    body: Bytes,
}

impl AppState {
    async fn check(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Body,
    ) -> Result<Checked, GatewayError> {
        if !matches!(
            *method,
            Method::GET | Method::POST | Method::PUT | Method::HEAD
        ) {
            return Err(GatewayError::MethodNotAllowed);
        }
        let access = self.authenticate(uri, headers)?;
        let body = read_body(headers, body, self.shared.config.max_body_bytes).await?;
        let format = response_format(headers)?;
        Ok(Checked {
            access,
            format,
            body,
        })
    }

    fn authenticate(&self, uri: &Uri, headers: &HeaderMap) -> Result<Access, GatewayError> {
        // Two Authorization headers are ambiguous (a proxy in front may have checked the other
        // one): refused, whichever of them is right.
        if headers.get_all(header::AUTHORIZATION).iter().count() > 1 {
            return Err(GatewayError::Unauthorized);
        }
        let from_header = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .map(str::to_owned);
        let token = from_header
            .or_else(|| request::token_from_query(uri.query()))
            .ok_or(GatewayError::Unauthorized)?;
        let config = &self.shared.config;
        if matches_any(&config.tokens, &token) {
            Ok(Access::Full)
        } else if matches_any(&config.read_only_tokens, &token) {
            Ok(Access::ReadOnly)
        } else {
            Err(GatewayError::Unauthorized)
        }
    }

    /// Applies the command policy to one command; `Ok(true)` when it may write.
    fn permit(&self, access: Access, command: &CommandArgs) -> Result<bool, GatewayError> {
        // Redis quotes an unknown command's name in its error, and redis-rs cannot read an error
        // line that is not UTF-8: it would drop the shared connection and answer 503. Command
        // names are ASCII, so such a name is refused here instead.
        if std::str::from_utf8(&command[0]).is_err() {
            return Err(GatewayError::BadRequest(
                "unknown command: a command name must be UTF-8 text".into(),
            ));
        }
        let name = || String::from_utf8_lossy(&command[0]).to_uppercase();
        let writes = match classify(command) {
            CommandClass::Read => false,
            CommandClass::Write => true,
            CommandClass::Refused(RefusalReason::Dangerous)
                if self.shared.config.allow_dangerous_commands =>
            {
                true
            }
            CommandClass::Refused(reason) => {
                return Err(GatewayError::CommandNotAvailable {
                    command: name(),
                    reason: reason.explanation(),
                });
            }
        };
        if writes && access == Access::ReadOnly {
            return Err(GatewayError::ReadOnly(name()));
        }
        if first_key(command).is_some_and(|key| key.len() > MAX_KEY_BYTES) {
            return Err(GatewayError::BadRequest(format!(
                "key too long: at most {MAX_KEY_BYTES} bytes"
            )));
        }
        Ok(writes)
    }

    /// Applies the policy to every command, refusing the whole request if one is refused.
    fn permit_all(&self, access: Access, commands: &[CommandArgs]) -> Result<bool, GatewayError> {
        commands.iter().try_fold(false, |writes, command| {
            Ok(self.permit(access, command)? || writes)
        })
    }

    fn sync_token(&self, wrote: bool) -> HeaderValue {
        let token = if wrote {
            self.shared.sync.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.shared.sync.load(Ordering::Relaxed)
        };
        HeaderValue::from(token)
    }

    /// Runs a command route's `handler` and records the request in the metrics, however it
    /// ended: its outcome, its time, and the commands it sent to Redis, which the handler
    /// counts as it goes (none when it was refused before sending).
    async fn measured(
        &self,
        request: Request,
        handler: impl AsyncFnOnce(&Self, &Parts, Body, &mut usize) -> Result<Response, GatewayError>,
    ) -> Response {
        let (parts, body) = request.into_parts();
        let started = Instant::now();
        let mut commands = 0;
        let result = handler(self, &parts, body, &mut commands).await;
        self.finish(started, commands, result)
    }

    fn finish(
        &self,
        started: Instant,
        commands: usize,
        result: Result<Response, GatewayError>,
    ) -> Response {
        let (outcome, response) = match result {
            Ok(response) => ("ok", response),
            Err(error) => {
                if error.status().is_server_error() {
                    tracing::warn!(error = %error, "request failed");
                } else {
                    tracing::debug!(error = %error, "request refused");
                }
                (error.outcome(), error.into_response())
            }
        };
        self.shared
            .metrics
            .record(outcome, started.elapsed(), commands);
        response
    }
}

/// HEAD is safe by definition (RFC 9110): a request whose commands may write is refused
/// before anything reaches Redis. Reads on HEAD are answered as on GET, without the body.
fn head_never_writes(method: &Method, writes: bool) -> Result<(), GatewayError> {
    if writes && *method == Method::HEAD {
        Err(GatewayError::MethodNotAllowed)
    } else {
        Ok(())
    }
}

async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, GatewayError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        drain(body).await;
        return Err(GatewayError::BodyTooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut collected = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| GatewayError::BadRequest("the request body could not be read".into()))?;
        if collected.len() + chunk.len() > limit {
            drain(Body::from_stream(stream)).await;
            return Err(GatewayError::BodyTooLarge);
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(collected))
}

/// Reads and drops what is left of an oversized body, so the client is not cut off mid-upload
/// (it would see a broken pipe instead of our error, and retry). Past a hard cap the
/// connection is closed after all.
async fn drain(body: Body) {
    const DRAIN_CAP: usize = 64 * 1024 * 1024;
    let mut stream = body.into_data_stream();
    let mut drained = 0;
    while let Some(Ok(chunk)) = stream.next().await {
        drained += chunk.len();
        if drained > DRAIN_CAP {
            break;
        }
    }
}

fn response_format(headers: &HeaderMap) -> Result<Format, GatewayError> {
    let base64 = headers
        .get(&ENCODING)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"base64"));
    let format = headers
        .get(&RESPONSE_FORMAT)
        .map(|value| value.to_str().unwrap_or_default().to_ascii_lowercase());
    match format.as_deref() {
        None | Some("json") => Ok(Format::Json(if base64 {
            Encoding::Base64
        } else {
            Encoding::Text
        })),
        Some("resp2") if base64 => Err(GatewayError::BadRequest(
            "Upstash-Response-Format: resp2 cannot be combined with Upstash-Encoding: base64"
                .into(),
        )),
        Some("resp2") => Ok(Format::Resp2),
        Some(_) => Err(GatewayError::BadRequest(
            "Upstash-Response-Format must be json or resp2".into(),
        )),
    }
}

fn reply(
    status: StatusCode,
    content_type: &'static str,
    sync: HeaderValue,
    body: impl Into<Bytes>,
) -> Response {
    let body: Bytes = body.into();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(SYNC_TOKEN, sync);
    response
}

fn json_reply(sync: HeaderValue, body: impl Into<Bytes>) -> Response {
    reply(StatusCode::OK, "application/json", sync, body)
}

fn resp2_reply(sync: HeaderValue, body: Vec<u8>) -> Response {
    reply(StatusCode::OK, "application/octet-stream", sync, body)
}

/// One command, in any of the body, path, path + body and path + query forms.
async fn single(State(state): State<AppState>, request: Request) -> Response {
    state
        .measured(request, async |state, parts, body, sent| {
            let (method, uri, headers) = (&parts.method, &parts.uri, &parts.headers);
            let checked = state.check(method, uri, headers, body).await?;
            let command = request::single_command(uri.path(), uri.query(), &checked.body)?;
            let wrote = state.permit(checked.access, &command)?;
            head_never_writes(method, wrote)?;
            *sent = 1;
            let (shared, boarded) = state.backend.shared_command(command).await?;
            if boarded {
                // Another request's trip answered this one: it sent nothing itself.
                *sent = 0;
                state.shared.metrics.record_coalesced();
            }
            let sync = state.sync_token(wrote);
            Ok(match checked.format {
                Format::Json(encoding) => json_reply(sync, shared.json(encoding)),
                Format::Resp2 => {
                    let mut out = Vec::new();
                    reply::write_resp2(&mut out, shared.value());
                    resp2_reply(sync, out)
                }
            })
        })
        .await
}

/// Many commands in order, sent as one RESP pipeline; not atomic.
async fn pipeline(State(state): State<AppState>, request: Request) -> Response {
    state
        .measured(request, async |state, parts, body, count| {
            let checked = state
                .check(&parts.method, &parts.uri, &parts.headers, body)
                .await?;
            let commands = request::command_list(&checked.body, state.shared.config.max_pipeline)?;
            *count = commands.len();
            // A refused command gets its own error entry, like a command Redis rejects, so one
            // refusal does not fail the unrelated commands a client auto-pipelined with it.
            let permits: Vec<_> = commands
                .iter()
                .map(|command| state.permit(checked.access, command))
                .collect();
            let wrote = permits.iter().any(|permit| matches!(permit, Ok(true)));
            head_never_writes(&parts.method, wrote)?;
            let allowed: Vec<CommandArgs> = commands
                .into_iter()
                .zip(&permits)
                .filter(|(_, permit)| permit.is_ok())
                .map(|(command, _)| command)
                .collect();
            let mut replies = if allowed.is_empty() {
                Vec::new()
            } else {
                state.backend.pipeline(&allowed).await?
            }
            .into_iter();
            let replies: Vec<PipelineReply> = permits
                .iter()
                .map(|permit| match permit {
                    Ok(_) => replies
                        .next()
                        .unwrap_or_else(|| Err("ERR no reply".to_owned())),
                    Err(refusal) => Err(refusal.to_string()),
                })
                .collect();
            let sync = state.sync_token(wrote);
            Ok(match checked.format {
                Format::Json(encoding) => json_reply(sync, reply::entries_json(&replies, encoding)),
                Format::Resp2 => resp2_reply(sync, reply::replies_resp2(&replies)),
            })
        })
        .await
}

/// Many commands in MULTI … EXEC.
async fn multi_exec(State(state): State<AppState>, request: Request) -> Response {
    state
        .measured(request, async |state, parts, body, count| {
            let checked = state
                .check(&parts.method, &parts.uri, &parts.headers, body)
                .await?;
            let Format::Json(encoding) = checked.format else {
                return Err(GatewayError::BadRequest(
                    "Upstash-Response-Format: resp2 is not supported for transactions".into(),
                ));
            };
            let commands = request::command_list(&checked.body, state.shared.config.max_pipeline)?;
            *count = commands.len();
            let wrote = state.permit_all(checked.access, &commands)?;
            head_never_writes(&parts.method, wrote)?;
            let replies = state.backend.transaction(&commands).await?;
            let sync = state.sync_token(wrote);
            Ok(json_reply(sync, reply::entries_json(&replies, encoding)))
        })
        .await
}

async fn subscribe(State(state): State<AppState>, request: Request) -> Response {
    stream(state, Kind::Channel, request).await
}

async fn psubscribe(State(state): State<AppState>, request: Request) -> Response {
    stream(state, Kind::Pattern, request).await
}

/// `/subscribe/…` and `/psubscribe/…`: a stream of server-sent events (the `pubsub` module has
/// their format). Any token may subscribe, the read-only one too: nothing is written. Every
/// refusal is an ordinary JSON error, answered before the stream starts.
async fn stream(state: AppState, kind: Kind, request: Request) -> Response {
    state
        .measured(request, async |state, parts, _body, sent| {
            if !matches!(parts.method, Method::GET | Method::POST) {
                return Err(GatewayError::MethodNotAllowed);
            }
            state.authenticate(&parts.uri, &parts.headers)?;
            let path = parts.uri.path();
            let rest = path
                .strip_prefix('/')
                .and_then(|path| path.split_once('/'))
                .map_or("", |(_, rest)| rest);
            let names = pubsub::names_from_path(kind, rest)?;
            *sent = 1;
            let subscription = state.pubsub.subscribe(kind, names).await?;
            let keep_alive = KeepAlive::new().interval(KEEP_ALIVE_INTERVAL);
            let mut response = Sse::new(subscription)
                .keep_alive(keep_alive)
                .into_response();
            // Proxies that buffer responses (nginx) would hold the events back.
            response
                .headers_mut()
                .insert(ACCEL_BUFFERING, HeaderValue::from_static("no"));
            Ok(response)
        })
        .await
}

/// Liveness for load balancers: PING through the shared connection.
async fn health(State(state): State<AppState>) -> Response {
    let ping = vec![b"PING".to_vec()];
    match state.backend.command(&ping).await {
        Ok(value) => json_reply(
            state.sync_token(false),
            reply::entry_json(&value, Encoding::Text),
        ),
        Err(_) => GatewayError::Unavailable.into_response(),
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.shared.metrics.render(state.backend.is_healthy());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// Whether `token` is one of `tokens`. Every one is compared (each in constant time), so the
/// answer's timing does not tell which of them matched.
fn matches_any(tokens: &[Secret], token: &str) -> bool {
    tokens
        .iter()
        .fold(false, |matched, secret| secret.matches(token) | matched)
}
