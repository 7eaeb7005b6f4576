//! The few runtime calls a request makes, each as one crossing of the wasm boundary.
//!
//! `web-sys` makes every property read, header and string a call of its own, and in workerd each
//! one has a price (a string decoded on one side and allocated on the other, often a C++ object
//! such as `Headers` behind it). A score write made about thirty of them; through these functions
//! it makes a handful. Hand-written because no crate offers coarser calls than `web-sys`.
//!
//! Text crosses as lines: header names and values never contain a line break (the runtime
//! refuses them), nor does a parsed URL.

use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;
use web_sys::{Request, Response};

#[wasm_bindgen(inline_js = r#"
export function requestHead(request, names) {
  let head = request.method + "\n" + request.url;
  for (const name of names.split("\n")) {
    const value = request.headers.get(name);
    if (value !== null) head += "\n" + name + ":" + value;
  }
  return head;
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
    /// `METHOD\nURL` and then `name:value` for each of `names` (one per line) the request has.
    #[wasm_bindgen(catch, js_name = requestHead)]
    fn request_head_js(request: &Request, names: &str) -> Result<String, JsValue>;

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

/// The method, URL and those of `names` the request carries, in one call.
pub fn request_head(request: &Request, names: &[&str]) -> Result<RequestHead, JsValue> {
    let text = request_head_js(request, &names.join("\n"))?;
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

/// A `ResponseInit` holding `status` and `headers`. Kept with a page, it is reused for every
/// answer made from that page.
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
    response_init_js(status, &head)
}

/// `new Response(body, init)`. The runtime copies what it keeps, so both can be used again.
pub fn respond(body: Option<&js_sys::Uint8Array>, init: &JsValue) -> Result<Response, JsValue> {
    respond_js(body.map_or(&JsValue::NULL, |body| body.as_ref()), init)
}
