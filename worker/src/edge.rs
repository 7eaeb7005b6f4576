//! The fetch handler: one [`Api`] per isolate, the runtime's request and response objects, and
//! the public reads served from the isolate's memory and the Cache API.

use std::cell::RefCell;
use std::rc::Rc;

use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse};
use podium_core::{ApiError, ClientAddress, ErrorCode};
use podium_redis::{Client, FetchTransport};
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::worker_sys::ext::CacheStorageExt;
use worker::{Context, Env, event, js_sys};

// The Workers runtime's own types: the handler takes and returns them as they are, since
// `worker::Request` reads the request's `cf` object and `worker::Response` its body stream on
// every request, work this Worker never needs (docs/benchmarks.md has what it cost).
use web_sys::{Cache, Headers, Request, Response, ResponseInit, WorkerGlobalScope};

use crate::fresh::{FreshCache, MAX_FRESH_PAGES};
use crate::glue;

/// Variables the Upstash integration sets; the same names work against Podium's gateway.
const REDIS_URL_VAR: &str = "UPSTASH_REDIS_REST_URL";
const REDIS_TOKEN_VAR: &str = "UPSTASH_REDIS_REST_TOKEN";

/// When this variable is `header`, a request's `x-podium-test-now` header (Unix ms) is the clock.
/// End-to-end tests cross period boundaries with it instead of waiting for midnight. Never set it
/// in production: anyone could then write into past or future periods.
const TEST_CLOCK_VAR: &str = "PODIUM_TEST_CLOCK";
const TEST_NOW_HEADER: &str = "x-podium-test-now";
/// With the test clock on, a request carrying this header traps the Wasm instance, as a panic
/// would: the end-to-end tests check that the next request is served by a fresh instance.
const TEST_TRAP_HEADER: &str = "x-podium-test-trap";

type WorkerApi = Api<FetchTransport>;

/// What one isolate keeps between requests.
struct Isolate {
    /// It keeps the rate-limit block cache between requests.
    api: WorkerApi,
    test_clock: bool,
}

thread_local! {
    /// One per isolate (wasm is single-threaded).
    static ISOLATE: RefCell<Option<Rc<Isolate>>> = const { RefCell::new(None) };
    /// The top-N pages this isolate made, by URL, kept until their Cache API copy goes stale.
    static PAGES: RefCell<FreshCache<Page>> = RefCell::new(FreshCache::new(MAX_FRESH_PAGES));
}

/// An answer as the runtime's own objects. Kept as a top-N page, it is served again with one
/// call across the wasm boundary: the Response constructor copies both the init and the bytes.
struct Page {
    /// A `ResponseInit`: status and headers.
    init: JsValue,
    /// `None` for 204 and 304, which must not carry a body at all, not even an empty one.
    body: Option<js_sys::Uint8Array>,
}

impl Page {
    fn new(response: &ApiResponse) -> worker::Result<Self> {
        Ok(Self {
            init: glue::response_init(response.status, &response.headers)?,
            body: (!response.body.is_empty()).then(|| js_sys::Uint8Array::from(&response.body[..])),
        })
    }

    fn response(&self) -> worker::Result<Response> {
        Ok(glue::respond(self.body.as_ref(), &self.init)?)
    }
}

/// Runs once when the isolate loads the module, before any request.
///
/// wasm-bindgen-futures wakes Rust futures through a task queue, which it schedules with the
/// global `queueMicrotask` when there is one and else with `then` on a resolved promise. workerd's
/// `queueMicrotask` makes a new function around every callback, where `then` costs next to
/// nothing (docs/benchmarks.md, "Worker: instructions per request"). The queue is
/// made on first use and keeps its choice, so it is made here, with `queueMicrotask` out of
/// sight for that moment. Both ways run the same callbacks in the same order.
#[event(start)]
fn start() {
    let global = js_sys::global();
    let name = JsValue::from_str("queueMicrotask");
    let own = js_sys::Object::has_own(&global, &name);
    let Ok(original) = js_sys::Reflect::get(&global, &name) else {
        return;
    };
    if js_sys::Reflect::set(&global, &name, &JsValue::UNDEFINED) != Ok(true) {
        return;
    }
    worker::wasm_bindgen_futures::spawn_local(async {});
    let _ = if own {
        js_sys::Reflect::set(&global, &name, &original)
    } else {
        js_sys::Reflect::delete_property(&global, &name)
    };
}

#[event(fetch)]
async fn fetch(request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let isolate = match isolate(&env) {
        Ok(isolate) => isolate,
        Err(error) => {
            worker::console_error!("podium: configuration error: {}", error.message);
            return to_js_response(&ApiResponse::error(&error));
        }
    };
    let api = &isolate.api;
    let now_ms = match now_ms(&isolate, &request) {
        Ok(now_ms) => now_ms,
        Err(error) => return to_js_response(&ApiResponse::error(&error)),
    };
    if isolate.test_clock && request.headers().has(TEST_TRAP_HEADER)? {
        // After the first await, where most real failures would be.
        JsFuture::from(js_sys::Promise::resolve(&JsValue::NULL)).await?;
        core::arch::wasm32::unreachable();
    }
    let glue::RequestHead {
        method,
        url,
        headers,
    } = glue::request_head(&request, &ApiRequest::HEADERS)?;
    // Reading fails when the client stops sending before the body it announced is complete:
    // a bad request, answered as such rather than left to the runtime as a plain 500.
    let Ok(api_request) = to_api_request(&request, &method, &url, headers).await else {
        let error = ApiError::new(ErrorCode::InvalidJson, "the request body could not be read");
        return to_js_response(&ApiResponse::error(&error));
    };
    if is_edge_cached(&api_request) && api.config().cache_seconds > 0 {
        cached_read(api, &url, api_request, now_ms, &ctx).await
    } else {
        let response = api.handle(&api_request, now_ms, random_bytes).await;
        to_js_response(&response)
    }
}

/// The isolate's [`Api`], built on first use. A configuration error is not kept: it names the
/// variable at fault (never its value) and is answered as a 500 until the configuration is fixed.
fn isolate(env: &Env) -> Result<Rc<Isolate>, ApiError> {
    if let Some(isolate) = ISOLATE.with(|slot| slot.borrow().clone()) {
        return Ok(isolate);
    }
    let var = |name: &str| env_string(env, name);
    let config = ApiConfig::from_vars(var)?;
    let missing = |name: &str| {
        ApiError::new(
            ErrorCode::Internal,
            format!("{name} is not set: point it at the Upstash REST endpoint or Podium's gateway"),
        )
    };
    let url = var(REDIS_URL_VAR)
        .filter(|url| !url.is_empty())
        .ok_or_else(|| missing(REDIS_URL_VAR))?;
    let token = var(REDIS_TOKEN_VAR)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| missing(REDIS_TOKEN_VAR))?;
    let isolate = Rc::new(Isolate {
        api: Api::new(config, Client::new(url, token, FetchTransport))
            .with_error_log(|line| worker::console_error!("podium: {line}")),
        test_clock: var(TEST_CLOCK_VAR).as_deref() == Some("header"),
    });
    ISOLATE.with(|slot| *slot.borrow_mut() = Some(Rc::clone(&isolate)));
    Ok(isolate)
}

/// A variable or secret as text. `[vars]` may hold numbers or tables, which arrive as JSON values;
/// they are handed on as their JSON text (`PODIUM_CACHE_SECONDS = 5` reads as `"5"`).
fn env_string(env: &Env, name: &str) -> Option<String> {
    let value = js_sys::Reflect::get(env, &JsValue::from_str(name)).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    if let Some(text) = value.as_string() {
        return Some(text);
    }
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

async fn to_api_request(
    request: &Request,
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
) -> worker::Result<ApiRequest> {
    let mut api_request = ApiRequest::new(method, path_and_query(url));
    api_request.headers = headers;
    api_request.client_address = api_request
        .header("cf-connecting-ip")
        .map(ClientAddress::from_header);
    if method != "GET" && method != "HEAD" {
        api_request.body = match glue::take_body(request)? {
            Some(body) => body,
            None => {
                let buffer = JsFuture::from(request.array_buffer()?).await?;
                js_sys::Uint8Array::new(&buffer).to_vec()
            }
        };
    }
    Ok(api_request)
}

/// The path and query of an absolute URL as the runtime hands it over (already parsed and
/// normalised by it), without the fragment.
fn path_and_query(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |at| &after_scheme[at..]);
    path.split_once('#').map_or(path, |(before, _)| before)
}

fn to_js_response(response: &ApiResponse) -> worker::Result<Response> {
    Page::new(response)?.response()
}

/// A read the API's table marks edge-cached (a `top` page, a board's configuration): the same
/// for every viewer. Judged on the raw path, whose literal segments are plain ASCII; a path that
/// spells them encoded is simply not cached.
fn is_edge_cached(request: &ApiRequest) -> bool {
    let segments: Vec<&str> = podium_wire::segments(&request.path).collect();
    request.method == "GET"
        && podium_wire::route(&request.method, &segments)
            .is_ok_and(|endpoint| endpoint.operation.edge_cached())
}

/// An edge-cached read through the isolate's pages, then the Cache API, keyed by the full URL. A hit
/// costs no Redis call; a miss asks the API without the client's `If-None-Match` (so a 200 can
/// be stored), keeps cacheable 200s in both caches after answering, and then applies
/// `If-None-Match` itself.
///
/// Pages are kept in the isolate by the wall clock (never the test clock, which may go back),
/// for the configured freshness from when they were made: the same deadline as the Cache API
/// copy, so the isolate never serves a page the Cache API would not.
async fn cached_read(
    api: &WorkerApi,
    key: &str,
    api_request: ApiRequest,
    now_ms: i64,
    ctx: &Context,
) -> worker::Result<Response> {
    let wall_ms = js_sys::Date::now() as i64;
    let remembered = PAGES
        .with(|pages| pages.borrow_mut().get(key, wall_ms).map(Page::response))
        .transpose()?;
    let hit = match remembered {
        Some(page) => Some(page),
        None => match JsFuture::from(default_cache()?.match_with_str(key)).await {
            Ok(hit) => hit.dyn_into::<Response>().ok(),
            Err(error) => {
                worker::console_warn!("podium: cache lookup failed: {error:?}");
                None
            }
        },
    };
    if let Some(cached) = hit {
        if api_request.header("if-none-match").is_none() && api_request.header("origin").is_none() {
            // Nothing to revalidate and no CORS to add (a game server, a bot, curl): the
            // stored answer as it is, without a single header crossing into wasm.
            return Ok(cached);
        }
        return serve_cached(api, &api_request, &cached);
    }
    let mut uncached = api_request.clone();
    uncached
        .headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("if-none-match"));
    // A public read never makes a session, so it has no use for randomness.
    let fresh = api.handle(&uncached, now_ms, || None).await;
    if is_cacheable(&fresh) {
        let page = Page::new(&fresh.clone().without_cors())?;
        let put = JsFuture::from(default_cache()?.put_with_str(key, &page.response()?));
        ctx.wait_until(async move {
            if let Err(error) = put.await {
                worker::console_warn!("podium: cache put failed: {error:?}");
            }
        });
        let fresh_until = wall_ms + i64::from(api.config().cache_seconds) * 1000;
        PAGES.with(|pages| pages.borrow_mut().insert(key, page, fresh_until, wall_ms));
    }
    to_js_response(&api.with_cors(&api_request, fresh.revalidate(&api_request)))
}

fn default_cache() -> worker::Result<Cache> {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    Ok(scope.caches()?.default())
}

/// A cache hit, answered without copying its body through wasm: the stored body stream is
/// passed on as is, with the stored headers plus this caller's CORS headers, or a 304.
fn serve_cached(
    api: &WorkerApi,
    request: &ApiRequest,
    cached: &Response,
) -> worker::Result<Response> {
    let stored = cached.headers();
    // Only what `revalidate` looks at crosses into wasm; the rest of the headers stay in JS.
    let mut head = ApiResponse {
        status: cached.status(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    for name in ["etag", "cache-control"] {
        if let Some(value) = stored.get(name)? {
            head.headers.push((name.to_owned(), value));
        }
    }
    let head = head.revalidate(request);
    if head.status == 304 {
        return to_js_response(&api.with_cors(request, head));
    }
    let headers = Headers::new_with_headers(&stored)?;
    let cors = api.with_cors(request, ApiResponse::no_content());
    for (name, value) in &cors.headers {
        // The stored copy already says `Vary: Origin` (`without_cors`): set, not doubled.
        headers.set(name, value)?;
    }
    let init = ResponseInit::new();
    init.set_status(head.status);
    init.set_headers(&headers);
    Ok(Response::new_with_opt_readable_stream_and_init(
        cached.body().as_ref(),
        &init,
    )?)
}

fn is_cacheable(response: &ApiResponse) -> bool {
    response.status == 200
        && response.header("cache-control").is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("public") && !value.contains("max-age=0")
        })
}

/// `Date.now()`, unless the test clock is on and the request sets it.
fn now_ms(isolate: &Isolate, request: &Request) -> Result<i64, ApiError> {
    let test_now = isolate
        .test_clock
        .then(|| request.headers().get(TEST_NOW_HEADER).ok().flatten())
        .flatten();
    match test_now {
        Some(now) => now.trim().parse().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidParameter,
                format!("{TEST_NOW_HEADER} must be Unix milliseconds"),
            )
        }),
        None => Ok(js_sys::Date::now() as i64),
    }
}

/// 32 bytes from the runtime's CSPRNG (`crypto.getRandomValues`); the API asks only when it
/// makes a session.
fn random_bytes() -> Option<[u8; 32]> {
    let mut bytes = [0u8; 32];
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    scope
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut bytes)
        .ok()?;
    Some(bytes)
}
