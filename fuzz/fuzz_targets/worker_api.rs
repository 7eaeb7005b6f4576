//! The Worker's whole request path in podium-api (routing, query and body parsing, validation,
//! authentication) with a store that is never reachable. Never panics; every error is the JSON
//! envelope with a known code whose status is the response's; and the store is asked exactly
//! when the answer is 503: whatever validation refuses costs no round trip.
#![no_main]

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use podium_api::{Api, ApiConfig, ApiRequest};
use podium_core::{ClientAddress, ErrorCode};
use podium_redis::{Client, HttpResponse, Transport, TransportError};
use podium_wire::Operation;
use serde_json::Value;

const SERVER_KEY: &str = "fuzz-server-key";

/// A store that is down: every call fails at once, and is counted.
#[derive(Default)]
struct Unreachable {
    calls: Cell<u32>,
}

impl Transport for Unreachable {
    fn post(
        &self,
        _url: &str,
        _headers: &[(&str, &str)],
        _body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        self.calls.set(self.calls.get() + 1);
        std::future::ready(Err(TransportError::new("unreachable")))
    }
}

#[derive(Debug, Arbitrary)]
enum Method {
    Get,
    Head,
    Post,
    Delete,
    Put,
    Options,
    Other(String),
}

/// One path segment: a literal of some operation's template (by its place among all of them),
/// an id where a template has `{board}` or `{player}`, or anything.
#[derive(Debug, Arbitrary)]
enum Segment {
    Literal(u8),
    Board(bool),
    Player,
    Text(String),
}

#[derive(Debug, Arbitrary)]
enum Auth {
    None,
    ServerKey,
    Token(String),
    Header(String),
}

#[derive(Debug, Arbitrary)]
enum ScoreText {
    Int(i64),
    Float(f64),
    Special(u8),
    Text(String),
}

#[derive(Debug, Arbitrary)]
enum Body {
    Empty,
    Raw(Vec<u8>),
    Score {
        player: String,
        score: ScoreText,
        name: Option<String>,
        extra: Option<String>,
    },
    Session {
        player: String,
        name: Option<String>,
    },
}

#[derive(Debug, Arbitrary)]
struct Input {
    method: Method,
    /// Starts the path at one operation's own path (by its place in the table), or at `/`.
    operation: Option<u8>,
    path: Vec<Segment>,
    trailing_slash: bool,
    query: Vec<(u8, String)>,
    auth: Auth,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Body,
    client_ip: Option<[u8; 4]>,
}

const SPECIAL_SCORES: &[&str] = &[
    "NaN",
    "Infinity",
    "-Infinity",
    "-0",
    "-0.0",
    "1e400",
    "9007199254740992",
    "-9007199254740992",
    "9007199254740991",
    "1.5",
    "1e3",
    "\"10\"",
    "null",
    "true",
    "[]",
    "{}",
    "00",
    "+1",
    "0x10",
];
/// Keys the fuzzer picks from: every query parameter some operation reads, and token
/// spellings that must never authenticate.
fn query_keys() -> Vec<&'static str> {
    let mut keys: Vec<&str> = Operation::ALL
        .iter()
        .flat_map(|operation| operation.query())
        .map(|query| query.name())
        .chain(["_token", "token"])
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The literal segments of every operation's template, each once.
fn literals() -> Vec<&'static str> {
    let mut literals: Vec<&str> = Operation::ALL
        .iter()
        .flat_map(|operation| podium_wire::segments(operation.template()))
        .filter(|segment| !segment.starts_with('{'))
        .collect();
    literals.sort_unstable();
    literals.dedup();
    literals
}

fn path(input: &Input) -> String {
    let literals = literals();
    let mut path = input
        .operation
        .map(|at| Operation::ALL[usize::from(at) % Operation::ALL.len()].path("global", "alice"))
        .unwrap_or_default();
    for segment in &input.path {
        path.push('/');
        path.push_str(match segment {
            Segment::Literal(at) => literals[usize::from(*at) % literals.len()],
            Segment::Board(true) => "global",
            Segment::Board(false) => "speedrun",
            Segment::Player => "alice",
            Segment::Text(text) => text,
        });
    }
    if input.trailing_slash || path.is_empty() {
        path.push('/');
    }
    path
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

fn body(body: &Body) -> Vec<u8> {
    match body {
        Body::Empty => Vec::new(),
        Body::Raw(bytes) => bytes.clone(),
        Body::Score {
            player,
            score,
            name,
            extra,
        } => {
            let score = match score {
                ScoreText::Int(n) => n.to_string(),
                ScoreText::Float(f) => f.to_string(),
                ScoreText::Special(i) => {
                    SPECIAL_SCORES[usize::from(*i) % SPECIAL_SCORES.len()].to_owned()
                }
                ScoreText::Text(text) => text.clone(),
            };
            let mut json = format!(r#"{{"player":{},"score":{score}"#, json_string(player));
            if let Some(name) = name {
                json.push_str(&format!(r#","name":{}"#, json_string(name)));
            }
            if let Some(extra) = extra {
                json.push_str(&format!(r#",{}:1"#, json_string(extra)));
            }
            json.push('}');
            json.into_bytes()
        }
        Body::Session { player, name } => {
            let mut json = format!(r#"{{"player":{}"#, json_string(player));
            if let Some(name) = name {
                json.push_str(&format!(r#","name":{}"#, json_string(name)));
            }
            json.push('}');
            json.into_bytes()
        }
    }
}

fn request(input: &Input) -> ApiRequest {
    let method = match &input.method {
        Method::Get => "GET",
        Method::Head => "HEAD",
        Method::Post => "POST",
        Method::Delete => "DELETE",
        Method::Put => "PUT",
        Method::Options => "OPTIONS",
        Method::Other(text) => text,
    };
    let mut request = ApiRequest::new(method, &path(input));
    if !input.query.is_empty() {
        let keys = query_keys();
        let query: Vec<String> = input
            .query
            .iter()
            .map(|(key, value)| format!("{}={value}", keys[usize::from(*key) % keys.len()]))
            .collect();
        request.query = Some(query.join("&"));
    }
    match &input.auth {
        Auth::None => {}
        Auth::ServerKey => {
            request = request.with_header("Authorization", &format!("Bearer {SERVER_KEY}"))
        }
        Auth::Token(token) => {
            request = request.with_header("Authorization", &format!("Bearer {token}"))
        }
        Auth::Header(value) => request = request.with_header("Authorization", value),
    }
    if let Some(content_type) = &input.content_type {
        request = request.with_header("Content-Type", content_type);
    }
    for (name, value) in &input.headers {
        request = request.with_header(name, value);
    }
    request.client_address = input
        .client_ip
        .map(|ip| ClientAddress::Ip(std::net::IpAddr::from(ip)));
    request.with_body(body(&input.body))
}

fuzz_target!(|input: Input| {
    let config = ApiConfig::from_vars(|name| match name {
        "PODIUM_SERVER_KEY" => Some(SERVER_KEY.to_owned()),
        "PODIUM_CORS_ORIGINS" => Some("https://game.example".to_owned()),
        _ => None,
    })
    .expect("a valid configuration");
    let transport = Unreachable::default();
    let api = Api::new(
        config,
        Client::new("http://store.invalid", "token", &transport),
    );
    let request = request(&input);

    // The transport answers at once, so the whole request completes in one poll.
    let mut future = pin!(api.handle(&request, 1_790_000_000_000, || Some([7; 32])));
    let Poll::Ready(response) = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    else {
        panic!("the request did not complete with an immediate store");
    };

    let asked_store = transport.calls.get() > 0;
    assert_eq!(
        asked_store,
        response.status == 503,
        "{} {}: status {} after {} store calls: {}",
        request.method,
        request.path,
        response.status,
        transport.calls.get(),
        String::from_utf8_lossy(&response.body)
    );
    if response.status >= 400 {
        let body: Value = serde_json::from_slice(&response.body).expect("errors are JSON");
        let code = body["error"]["code"].as_str().expect("an error code");
        let code: ErrorCode = code.parse().expect("a documented code");
        assert_eq!(code.status(), response.status);
        assert!(body["error"]["message"].is_string());
        assert_ne!(
            code,
            ErrorCode::Internal,
            "{}",
            String::from_utf8_lossy(&response.body)
        );
    } else {
        // 201: a session, which is a signed token and needs no store.
        assert!(
            matches!(response.status, 200 | 201 | 204),
            "status {}",
            response.status
        );
    }
});
