//! The few runtime calls a request makes, each as one crossing of the wasm boundary.
//!
//! `web-sys` makes every property read, header and string a call of its own, and in workerd each
//! one has a price (a string decoded on one side and allocated on the other, often a C++ object
//! such as `Headers` behind it). Through these functions a request makes a handful of crossings
//! (docs/benchmarks.md counts them). Hand-written because no crate offers coarser calls than
//! `web-sys`.
//!
//! Text crosses as lines: header names and values never contain a line break (the runtime
//! refuses them), nor does a parsed URL.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::{Request, Response};

#[wasm_bindgen(inline_js = r#"
let lastNames = "";
let nameList = [];
const encoder = new TextEncoder();

export function requestHead(request, names) {
  if (names !== lastNames) {
    lastNames = names;
    nameList = names.split("\n");
  }
  const headers = request.headers;
  let head = request.method + "\n" + request.url;
  for (const name of nameList) {
    const value = headers.get(name);
    if (value !== null) head += "\n" + name + ":" + value;
  }
  return encoder.encode(head);
}

export function takeBody(request) {
  const body = request.podiumBody;
  if (body === undefined || body instanceof Uint8Array) return body;
  throw body;
}

export function responseInit(status, head) {
  const headers = [];
  if (head !== "") {
    for (const line of head.split("\n")) {
      const at = line.indexOf(":");
      headers.push([line.slice(0, at), line.slice(at + 1)]);
    }
  }
  return { status, headers };
}

export function respond(body, init) {
  return new Response(body, init);
}
"#)]
extern "C" {
    /// `METHOD\nURL` and then `name:value` for each of `names` (one per line) the request has,
    /// as UTF-8. Bytes, not a `String`: wasm-bindgen copies a string into wasm one character at
    /// a time in JavaScript (`charCodeAt` in a loop, interpreted in workerd); `TextEncoder` and
    /// a byte copy do it natively.
    #[wasm_bindgen(catch, js_name = requestHead)]
    fn request_head_js(request: &Request, names: &JsValue) -> Result<Vec<u8>, JsValue>;

    /// The request body as `entry.mjs` read it before the handler ran; `None` when the Worker
    /// was started from another main module and the body is still unread; `Err` with what
    /// reading it threw.
    #[wasm_bindgen(catch, js_name = takeBody)]
    pub fn take_body(request: &Request) -> Result<Option<Vec<u8>>, JsValue>;

    /// A `ResponseInit` from a status and `name:value` header lines.
    #[wasm_bindgen(catch, js_name = responseInit)]
    fn response_init_js(status: u16, head: &str) -> Result<JsValue, JsValue>;

    /// `new Response(body, init)`; `body` is a `Uint8Array` or `null`.
    #[wasm_bindgen(catch, js_name = respond)]
    fn respond_js(body: &JsValue, init: &JsValue) -> Result<Response, JsValue>;
}

/// What the handler reads of a request before its body.
pub struct RequestHead {
    pub method: String,
    pub url: String,
    /// Only the requested headers the request has, names as asked.
    pub headers: Vec<(String, String)>,
}

thread_local! {
    /// The header names last asked for, kept as one JavaScript string: the same value every
    /// time, so it crosses the boundary once per isolate rather than once per request.
    static NAMES: RefCell<Option<(Vec<String>, JsValue)>> = const { RefCell::new(None) };
}

/// The method, URL and those of `names` the request carries, in one call.
pub fn request_head(request: &Request, names: &[&str]) -> Result<RequestHead, JsValue> {
    let names_js = NAMES.with(|cached| {
        let mut cached = cached.borrow_mut();
        match cached.as_ref() {
            Some((known, joined)) if known == names => joined.clone(),
            _ => {
                let joined = JsValue::from_str(&names.join("\n"));
                *cached = Some((
                    names.iter().map(|&name| name.to_owned()).collect(),
                    joined.clone(),
                ));
                joined
            }
        }
    });
    let bytes = request_head_js(request, &names_js)?;
    // The runtime's strings are valid Unicode, so `TextEncoder` never makes invalid UTF-8.
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.split('\n');
    let method = lines.next().unwrap_or_default().to_owned();
    let url = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    Ok(RequestHead {
        method,
        url,
        headers,
    })
}

thread_local! {
    /// The last `ResponseInit` made, with what it was made from. Most answers of one kind carry
    /// the same status and headers (every score write on a board without limits does), so it is
    /// made again only when they change.
    static LAST_INIT: RefCell<Option<(u16, String, JsValue)>> = const { RefCell::new(None) };
}

/// A `ResponseInit` holding `status` and `headers`. Kept with a page, it is reused for every
/// answer made from that page; the runtime never changes it.
pub fn response_init(status: u16, headers: &[(String, String)]) -> Result<JsValue, JsValue> {
    let mut head = String::new();
    for (name, value) in headers {
        if !head.is_empty() {
            head.push('\n');
        }
        head.push_str(name);
        head.push(':');
        head.push_str(value);
    }
    LAST_INIT.with(|last| {
        let mut last = last.borrow_mut();
        match last.as_ref() {
            Some((known_status, known_head, init))
                if *known_status == status && *known_head == head =>
            {
                Ok(init.clone())
            }
            _ => {
                let init = response_init_js(status, &head)?;
                *last = Some((status, head, init.clone()));
                Ok(init)
            }
        }
    })
}

/// `new Response(body, init)`. The runtime copies what it keeps, so both can be used again.
pub fn respond(body: Option<&js_sys::Uint8Array>, init: &JsValue) -> Result<Response, JsValue> {
    respond_js(body.map_or(&JsValue::NULL, |body| body.as_ref()), init)
}
