use std::cell::RefCell;
use std::fmt::Write as _;
use std::future::Future;

use wasm_bindgen::prelude::{Closure, wasm_bindgen};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

/// A [`Transport`] over the Workers runtime's `fetch`, for Podium's Cloudflare Worker (wasm32).
/// It holds nothing: the runtime owns connections (and the isolate keeps the last URL and
/// headers as JavaScript values, below).
///
/// The request goes out through one small JavaScript function (below) rather than
/// `worker::Fetch` or `web-sys` calls, and its whole answer comes back through one callback.
/// Every call across the wasm boundary and every JS promise a Rust future waits on has a price in
/// workerd (a `Headers` object, two strings per header, two wasm closures and a wake-up per
/// promise). One crossing each way per Redis call is the least this can be; a score write is one
/// such call.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTransport;

// Hand-written because no crate does this: wasm-bindgen's web-sys bindings can only make the
// same calls one by one. Header lines are `name:value`, one per line (neither may contain a line
// break). The body is copied out of wasm memory before anything else can run.
//
// The answer comes back through one callback the instance registers once (`setReplyHandler`),
// not through a promise the Rust side awaits: `JsFuture` makes two wasm closures per promise,
// each registered with a `FinalizationRegistry` and destroyed again, which shows in workerd's
// instructions per write (`npm run bench:worker:instructions`). Each request keeps the handler
// it was sent with: after a trap the fresh instance registers its own, and the old one throws
// when called, so a late reply is dropped (its future went with the old instance) and can never
// reach a request of the new instance that happens to have the same id.
#[wasm_bindgen(inline_js = r#"
export function headers(head) {
  const headers = {};
  for (const line of head.split("\n")) {
    const at = line.indexOf(":");
    headers[line.slice(0, at)] = line.slice(at + 1);
  }
  return headers;
}

let onReply = null;

export function setReplyHandler(handler) {
  onReply = handler;
}

export function post(url, headers, body, id) {
  const reply = onReply;
  const deliver = (status, value) => {
    try {
      reply(id, status, value);
    } catch (error) {
      console.error("podium: a reply for a replaced instance was dropped:", error);
    }
  };
  const failed = (error) => deliver(0, error);
  fetch(url, { method: "POST", headers, body: body.slice() }).then(
    (response) =>
      response.arrayBuffer().then((bytes) => deliver(response.status, new Uint8Array(bytes)), failed),
    failed,
  );
}
"#)]
extern "C" {
    /// The headers object `fetch` takes, from header lines.
    #[wasm_bindgen(js_name = headers)]
    fn headers_js(head: &str) -> JsValue;

    /// Makes `handler` the one every later `post` answers through.
    #[wasm_bindgen(js_name = setReplyHandler)]
    fn set_reply_handler_js(handler: &Closure<dyn FnMut(u32, u16, JsValue)>);

    /// Sends the request; the reply handler is later called with `(id, status, Uint8Array)`, or
    /// `(id, 0, error)` when the request could not be made. Throws only on bad arguments.
    #[wasm_bindgen(catch, js_name = post)]
    fn post_js(url: &JsValue, headers: &JsValue, body: &[u8], id: u32) -> Result<(), JsValue>;
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
        let reply = replies::Reply::new();
        let reply = match post_js(&url_js, &headers_js, &body, reply.id()) {
            Ok(()) => Ok(reply),
            Err(error) => {
                reply.cancel();
                Err(js_error(error))
            }
        };
        async move { reply?.await }
    }
}

/// The replies still to come, by the id `post` was given, and the one handler they arrive through.
mod replies {
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll, Waker};

    use js_sys::Uint8Array;
    use wasm_bindgen::prelude::Closure;
    use wasm_bindgen::{JsCast, JsValue};

    use super::{HttpResponse, TransportError, js_error, set_reply_handler_js};

    type Outcome = Result<HttpResponse, TransportError>;

    enum Slot {
        Free,
        Waiting(Option<Waker>),
        Done(Outcome),
        /// Its future was dropped first; the reply only frees the slot.
        Abandoned,
    }

    #[derive(Default)]
    struct Replies {
        slots: Vec<Slot>,
        free: Vec<u32>,
    }

    thread_local! {
        static REPLIES: RefCell<Replies> = RefCell::default();
        /// Registered on first use: once per instance, and again in a fresh one after a trap.
        static HANDLER: Closure<dyn FnMut(u32, u16, JsValue)> = {
            let handler = Closure::new(deliver);
            set_reply_handler_js(&handler);
            handler
        };
    }

    fn deliver(id: u32, status: u16, value: JsValue) {
        let outcome = if status == 0 {
            Err(js_error(value))
        } else {
            let body = value.unchecked_into::<Uint8Array>().to_vec();
            Ok(HttpResponse { status, body })
        };
        let waker = REPLIES.with(|replies| {
            let mut replies = replies.borrow_mut();
            let slot = replies.slots.get_mut(id as usize)?;
            match std::mem::replace(slot, Slot::Free) {
                Slot::Waiting(waker) => {
                    *slot = Slot::Done(outcome);
                    waker
                }
                Slot::Abandoned => {
                    replies.free.push(id);
                    None
                }
                other => {
                    *slot = other;
                    None
                }
            }
        });
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The reply to one request, by the id the request was sent with; `None` once taken.
    pub(super) struct Reply(Option<u32>);

    impl Reply {
        /// A slot for the reply to a request about to be sent.
        pub(super) fn new() -> Self {
            HANDLER.with(|_| ());
            let id = REPLIES.with(|replies| {
                let mut replies = replies.borrow_mut();
                match replies.free.pop() {
                    Some(id) => {
                        replies.slots[id as usize] = Slot::Waiting(None);
                        id
                    }
                    None => {
                        replies.slots.push(Slot::Waiting(None));
                        (replies.slots.len() - 1) as u32
                    }
                }
            });
            Self(Some(id))
        }

        pub(super) fn id(&self) -> u32 {
            self.0.unwrap_or(u32::MAX)
        }

        /// For a request that was never sent: no reply will come to free the slot.
        pub(super) fn cancel(mut self) {
            if let Some(id) = self.0.take() {
                REPLIES.with(|replies| {
                    let mut replies = replies.borrow_mut();
                    replies.slots[id as usize] = Slot::Free;
                    replies.free.push(id);
                });
            }
        }
    }

    impl Future for Reply {
        type Output = Outcome;

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
            let Some(id) = self.0 else {
                return Poll::Pending;
            };
            let outcome = REPLIES.with(|replies| {
                let mut replies = replies.borrow_mut();
                let slot = &mut replies.slots[id as usize];
                match std::mem::replace(slot, Slot::Free) {
                    Slot::Done(outcome) => {
                        replies.free.push(id);
                        Some(outcome)
                    }
                    _ => {
                        *slot = Slot::Waiting(Some(cx.waker().clone()));
                        None
                    }
                }
            });
            match outcome {
                Some(outcome) => {
                    self.0 = None;
                    Poll::Ready(outcome)
                }
                None => Poll::Pending,
            }
        }
    }

    impl Drop for Reply {
        fn drop(&mut self) {
            let Some(id) = self.0 else {
                return;
            };
            REPLIES.with(|replies| {
                let mut replies = replies.borrow_mut();
                let slot = &mut replies.slots[id as usize];
                if matches!(slot, Slot::Done(_)) {
                    *slot = Slot::Free;
                    replies.free.push(id);
                } else {
                    *slot = Slot::Abandoned;
                }
            });
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
