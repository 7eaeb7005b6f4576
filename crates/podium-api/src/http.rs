use podium_core::{ApiError, ClientAddress, RateLimitResult};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// An HTTP request as the API sees it, whatever runtime received it.
#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    /// Upper case: `GET`, `POST` …
    pub method: String,
    /// The URL path, still percent-encoded.
    pub path: String,
    pub query: Option<String>,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The caller's address: `CF-Connecting-IP`, which Cloudflare's edge sets; `None` when
    /// the header is absent (an unparsable one is [`ClientAddress::Unparsable`]).
    pub client_address: Option<ClientAddress>,
}

impl ApiRequest {
    /// Every request header the API reads. A runtime may copy just these (the Worker does: each
    /// header is a call across the wasm boundary); debug builds check that no other is read.
    pub const HEADERS: [&'static str; 6] = [
        "authorization",
        "cf-connecting-ip",
        "content-type",
        "if-match",
        "if-none-match",
        "origin",
    ];

    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((path, query)) => (path, Some(query.to_owned())),
            None => (path_and_query, None),
        };
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_owned(),
            query,
            ..Self::default()
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        debug_assert!(
            Self::HEADERS.contains(&name),
            "ApiRequest::HEADERS must list {name:?}"
        );
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The decoded value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key) == name).then(|| decode(value))
        })
    }
}

/// Percent-decoding of one URL component (`+` is a space in queries).
pub(crate) fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|hex| u8::from_str_radix(hex, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP response as the API produces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ApiResponse {
    pub fn json(status: u16, body: &impl Serialize) -> Self {
        let body = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
        Self {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body,
        }
    }

    /// A body that is JSON already.
    pub fn json_text(status: u16, body: &[u8]) -> Self {
        Self {
            status,
            headers: vec![(
                "content-type".into(),
                "application/json; charset=utf-8".into(),
            )],
            body: body.to_vec(),
        }
    }

    pub fn error(error: &ApiError) -> Self {
        Self::json(error.status(), error)
    }

    pub fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// `RateLimit-*` headers, and `Retry-After` on a refusal.
    pub(crate) fn with_rate_limit(mut self, result: &RateLimitResult, now_ms: i64) -> Self {
        for (name, value) in result.headers(now_ms) {
            self.headers.push((name.to_ascii_lowercase(), value));
        }
        self
    }

    /// A strong ETag over the body, a `Cache-Control` for `max_age` seconds, and 304 when the
    /// client already holds this body.
    pub(crate) fn cacheable(self, request: &ApiRequest, max_age: u32) -> Self {
        let digest = Sha256::digest(&self.body);
        let etag = format!("\"{}\"", hex(&digest[..12]));
        self.with_header("etag", etag)
            .with_header("cache-control", format!("public, max-age={max_age}"))
            .revalidate(request)
    }

    /// 304 (keeping only `ETag` and `Cache-Control`) when the request's `If-None-Match` names
    /// this response's ETag; the response unchanged otherwise. Edge caches use it on hits.
    pub fn revalidate(self, request: &ApiRequest) -> Self {
        let (Some(tags), Some(etag)) = (request.header("if-none-match"), self.header("etag"))
        else {
            return self;
        };
        let matches = tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag);
        if self.status != 200 || !matches {
            return self;
        }
        let headers = self
            .headers
            .into_iter()
            .filter(|(name, _)| name == "etag" || name == "cache-control")
            .collect();
        Self {
            status: 304,
            headers,
            body: Vec::new(),
        }
    }

    /// Without the headers that depend on the caller's `Origin`, for storing in a cache shared
    /// by every origin; with `Vary: Origin`, which every answer carries, grant or not.
    ///
    /// Without it a shared cache downstream could keep a copy made for a caller without a
    /// grant (a game server, another site) and serve it to an allowed origin, whose browser
    /// then refuses it.
    pub fn without_cors(mut self) -> Self {
        self.headers.retain(|(name, _)| {
            !matches!(
                name.as_str(),
                "access-control-allow-origin" | "access-control-expose-headers" | "vary"
            )
        });
        self.headers.push(("vary".into(), "Origin".into()));
        self
    }

    /// CORS headers for an allowed browser origin; none for others, so the browser refuses.
    pub(crate) fn with_cors(mut self, request: &ApiRequest, allowed: &[String]) -> Self {
        self = self.without_cors();
        let Some(origin) = request.header("origin") else {
            return self;
        };
        let any = allowed.iter().any(|allowed| allowed == "*");
        if any || allowed.iter().any(|allowed| allowed == origin) {
            self.headers.push((
                "access-control-allow-origin".into(),
                if any { "*".into() } else { origin.to_owned() },
            ));
            self.headers.push((
                "access-control-expose-headers".into(),
                "ETag, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset".into(),
            ));
        }
        self
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_and_decodes_queries() {
        let request = ApiRequest::new("get", "/v1/x?limit=10&name=a%20b+c&flag");
        assert_eq!(request.method, "GET");
        assert_eq!(request.path, "/v1/x");
        assert_eq!(request.query_param("limit").as_deref(), Some("10"));
        assert_eq!(request.query_param("name").as_deref(), Some("a b c"));
        assert_eq!(request.query_param("flag").as_deref(), Some(""));
        assert_eq!(request.query_param("missing"), None);
        assert_eq!(decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn etags_turn_repeats_into_304() {
        let fresh = ApiResponse::json(200, &serde_json::json!({"a": 1}));
        let first = fresh.clone().cacheable(&ApiRequest::new("GET", "/"), 1);
        assert_eq!(first.status, 200);
        let etag = first.header("etag").unwrap_or_default().to_owned();
        let again = ApiRequest::new("GET", "/").with_header("If-None-Match", &etag);
        let second = fresh.clone().cacheable(&again, 1);
        assert_eq!((second.status, second.body.len()), (304, 0));
        assert_eq!(second.header("etag"), Some(etag.as_str()));
        let other = ApiRequest::new("GET", "/").with_header("If-None-Match", "\"nope\"");
        assert_eq!(fresh.cacheable(&other, 1).status, 200);
    }

    #[test]
    fn cors_only_for_listed_origins() {
        let allowed = vec!["https://game.example".to_owned()];
        let from = |origin: &str| ApiRequest::new("GET", "/").with_header("Origin", origin);
        let ok = ApiResponse::no_content().with_cors(&from("https://game.example"), &allowed);
        assert_eq!(
            ok.header("access-control-allow-origin"),
            Some("https://game.example")
        );
        let other = ApiResponse::no_content().with_cors(&from("https://evil.example"), &allowed);
        assert_eq!(other.header("access-control-allow-origin"), None);
    }

    #[test]
    fn every_answer_varies_by_origin_grant_or_not() {
        let allowed = vec!["https://game.example".to_owned()];
        let requests = [
            ApiRequest::new("GET", "/"),
            ApiRequest::new("GET", "/").with_header("Origin", "https://game.example"),
            ApiRequest::new("GET", "/").with_header("Origin", "https://evil.example"),
        ];
        for request in &requests {
            let response = ApiResponse::no_content().with_cors(request, &allowed);
            let vary: Vec<_> = response
                .headers
                .iter()
                .filter(|(name, _)| name == "vary")
                .collect();
            assert_eq!(
                vary,
                [&("vary".to_owned(), "Origin".to_owned())],
                "{request:?}"
            );
            // Applying it again (an edge cache's copy) neither drops nor doubles it.
            let again = response.without_cors().with_cors(request, &allowed);
            assert_eq!(
                again
                    .headers
                    .iter()
                    .filter(|(name, _)| name == "vary")
                    .count(),
                1
            );
        }
        assert_eq!(
            ApiResponse::no_content().without_cors().header("vary"),
            Some("Origin")
        );
    }
}
