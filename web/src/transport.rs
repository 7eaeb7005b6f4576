//! How the widget asks the API: one conditional GET. The browser's `fetch` (through gloo-net) in
//! pages; tests inject their own [`Transport`].

use std::future::Future;
use std::pin::Pin;

/// A boxed, single-threaded future (wasm has one thread).
pub type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// One answer: status, its `ETag` if any, and the body text.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub etag: Option<String>,
    pub body: String,
}

/// The network failed (offline, CORS refused, DNS): no HTTP answer at all.
#[derive(Clone, Debug, PartialEq)]
pub struct TransportError(pub String);

/// A GET with an optional `If-None-Match`.
pub trait Transport {
    fn get(
        &self,
        url: &str,
        if_none_match: Option<&str>,
    ) -> LocalFuture<Result<Reply, TransportError>>;
}

/// The browser's `fetch`.
#[derive(Clone, Copy, Debug, Default)]
pub struct FetchTransport;

impl Transport for FetchTransport {
    fn get(
        &self,
        url: &str,
        if_none_match: Option<&str>,
    ) -> LocalFuture<Result<Reply, TransportError>> {
        let mut request = gloo_net::http::Request::get(url);
        if let Some(etag) = if_none_match {
            request = request.header("If-None-Match", etag);
        }
        Box::pin(async move {
            let response = request.send().await.map_err(failure)?;
            let status = response.status();
            let etag = response.headers().get("etag");
            let body = if status == 304 {
                String::new()
            } else {
                response.text().await.map_err(failure)?
            };
            Ok(Reply { status, etag, body })
        })
    }
}

/// The browser's own message, without `gloo_net::Error`'s `Display` (which drags serde_json's
/// error formatting into the wasm).
fn failure(error: gloo_net::Error) -> TransportError {
    TransportError(match error {
        gloo_net::Error::JsError(error) => error.message,
        _ => String::from("fetch failed"),
    })
}
