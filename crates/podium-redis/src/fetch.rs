use std::future::Future;

use worker::js_sys::Uint8Array;
use worker::{Fetch, Headers, Method, Request, RequestInit};

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

/// A [`Transport`] over the Workers runtime's `fetch`, for Podium's Cloudflare Worker (wasm32).
/// It holds nothing: the runtime owns connections.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

impl Transport for FetchTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let request = build_request(url, headers, &body);
        async move {
            let mut response = Fetch::Request(request?)
                .send()
                .await
                .map_err(TransportError::new)?;
            let status = response.status_code();
            let headers = response
                .headers()
                .entries()
                .map(|(name, value)| (name.to_ascii_lowercase(), value))
                .collect();
            let body = response.bytes().await.map_err(TransportError::new)?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        }
    }
}

fn build_request(
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Request, TransportError> {
    let js_headers = Headers::new();
    for (name, value) in headers {
        js_headers.set(name, value).map_err(TransportError::new)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(js_headers)
        .with_body(Some(Uint8Array::from(body).into()));
    Request::new_with_init(url, &init).map_err(TransportError::new)
}
