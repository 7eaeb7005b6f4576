use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

/// A [`Transport`] over the Workers runtime's `fetch`, for Podium's Cloudflare Worker (wasm32).
/// It holds nothing: the runtime owns connections (and the isolate keeps the last URL and
/// headers as JavaScript values, below).
///
/// The request goes out and its whole answer comes back through one small JavaScript function
/// (below) rather than `worker::Fetch` or `web-sys` calls. Every call across the wasm boundary
/// and every JS promise a Rust future waits on has a price in workerd (a `Headers` object, two
/// strings per header, two wasm closures and a wake-up per promise). One crossing each way and
/// one awaited promise per Redis call is the least this can be; a score write is one such call.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

// Hand-written because no crate does this: wasm-bindgen's web-sys bindings can only make the
// same calls one by one. Header lines are `name:value`, one per line (neither may contain a line
// break). The body is copied out of wasm memory before anything else can run.
#[wasm_bindgen(inline_js = r#"
export function headers(head) {
  const headers = {};
  for (const line of head.split("\n")) {
    const at = line.indexOf(":");
    headers[line.slice(0, at)] = line.slice(at + 1);
  }
  return headers;
}

export function post(url, headers, body) {
  return fetch(url, { method: "POST", headers, body: body.slice() }).then((response) =>
    response.arrayBuffer().then((bytes) => [response.status, new Uint8Array(bytes)]),
  );
}
"#)]
extern "C" {
    /// The headers object `fetch` takes, from header lines.
    #[wasm_bindgen(js_name = headers)]
    fn headers_js(head: &str) -> JsValue;

    /// Resolves with `[status, Uint8Array]`; rejects (or throws) when the request could not be made.
    #[wasm_bindgen(catch, js_name = post)]
    fn post_js(url: &JsValue, headers: &JsValue, body: &[u8]) -> Result<Promise, JsValue>;
}

/// The URL and headers of the last call, as JavaScript values. A Worker's client makes every call
/// to the same URL with the same headers, so after the first call neither crosses the boundary
/// again (each string would be decoded anew on the JavaScript side).
struct Target {
    url: String,
    head: String,
    url_js: JsValue,
    headers_js: JsValue,
}

thread_local! {
    static LAST_TARGET: RefCell<Option<Target>> = const { RefCell::new(None) };
}

/// `url` and `headers` as JavaScript values, made again only when they differ from the last call's.
fn target(url: &str, headers: &[(&str, &str)]) -> (JsValue, JsValue) {
    let mut head = String::new();
    for (name, value) in headers {
        if !head.is_empty() {
            head.push('\n');
        }
        let _ = write!(head, "{name}:{value}");
    }
    LAST_TARGET.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some(target) if target.url == url && target.head == head => {
                (target.url_js.clone(), target.headers_js.clone())
            }
            _ => {
                let target = Target {
                    url_js: JsValue::from_str(url),
                    headers_js: headers_js(&head),
                    url: url.to_owned(),
                    head,
                };
                let values = (target.url_js.clone(), target.headers_js.clone());
                *last = Some(target);
                values
            }
        }
    })
}

impl Transport for FetchTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let (url_js, headers_js) = target(url, headers);
        let sent = post_js(&url_js, &headers_js, &body).map(JsFuture::from);
        async move {
            let reply: Array = sent
                .map_err(js_error)?
                .await
                .map_err(js_error)?
                .unchecked_into();
            let status = reply.get(0).as_f64().unwrap_or_default() as u16;
            let body = reply.get(1).unchecked_into::<Uint8Array>().to_vec();
            Ok(HttpResponse { status, body })
        }
    }
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
