use std::future::Future;

use js_sys::{Uint8Array, global};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response, WorkerGlobalScope};

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

/// A [`Transport`] over the Workers runtime's `fetch`, for Podium's Cloudflare Worker (wasm32).
/// It holds nothing: the runtime owns connections.
///
/// Written on `web-sys` rather than `worker::Fetch`: that one reads a response body as a stream,
/// chunk by chunk, where one `arrayBuffer()` is a single call across the wasm boundary; on a
/// score write this was a tenth of the Worker's CPU time.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

impl Transport for FetchTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let sent = send(url, headers, &body);
        async move {
            let response: Response = JsFuture::from(sent?)
                .await
                .map_err(js_error)?
                .unchecked_into();
            let status = response.status();
            let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
                .await
                .map_err(js_error)?;
            Ok(HttpResponse {
                status,
                body: Uint8Array::new(&buffer).to_vec(),
            })
        }
    }
}

fn send(
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<js_sys::Promise, TransportError> {
    let js_headers = Headers::new().map_err(js_error)?;
    for (name, value) in headers {
        js_headers.set(name, value).map_err(js_error)?;
    }
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_headers(&js_headers);
    init.set_body(&Uint8Array::from(body));
    let request = Request::new_with_str_and_init(url, &init).map_err(js_error)?;
    let scope: WorkerGlobalScope = global().unchecked_into();
    Ok(scope.fetch_with_request(&request))
}

/// A JavaScript exception as text: its message when it is an `Error`, else its string form.
fn js_error(value: JsValue) -> TransportError {
    let message = value
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "fetch failed".to_owned());
    TransportError::new(message)
}
