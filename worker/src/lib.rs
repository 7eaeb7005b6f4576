//! Podium's product API as a Cloudflare Worker.
//!
//! Everything the API does lives in `podium-api`; this crate only wires it to the Workers
//! runtime:
//! - configuration: variables and secrets (`UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`,
//!   `PODIUM_*`) read once per isolate into one [`Api`];
//! - requests: a `worker::Request` becomes an [`ApiRequest`] (`CF-Connecting-IP` is the client
//!   address), `Date.now()` is the clock and `crypto.getRandomValues` the randomness;
//! - reads at the edge: top-N pages go through the Cache API, so a popular board costs Redis
//!   calls per freshness window, not per viewer.
//!
//! The crate is empty outside wasm32, so `cargo test --workspace` and clippy skip it natively.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::net::IpAddr;
use std::rc::Rc;

use podium_api::{Api, ApiConfig, ApiRequest, ApiResponse};
use podium_core::{ApiError, ErrorCode};
use podium_redis::{Client, FetchTransport};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::{
    Cache, Context, Env, Headers, Method, Request, Response, ResponseBody, event, js_sys,
};

/// Variables the Upstash integration sets; the same names work against Podium's gateway.
const REDIS_URL_VAR: &str = "UPSTASH_REDIS_REST_URL";
const REDIS_TOKEN_VAR: &str = "UPSTASH_REDIS_REST_TOKEN";

type WorkerApi = Api<FetchTransport>;

thread_local! {
    /// One API per isolate (wasm is single-threaded): it keeps the rate-limit block cache
    /// between requests.
    static API: RefCell<Option<Rc<WorkerApi>>> = const { RefCell::new(None) };
}

#[event(fetch)]
async fn fetch(mut request: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let api = match api(&env) {
        Ok(api) => api,
        Err(error) => {
            worker::console_error!("podium: configuration error: {}", error.message);
            return to_worker_response(ApiResponse::error(&error));
        }
    };
    let api_request = to_api_request(&mut request).await?;
    if is_top_read(&api_request) && api.config().cache_seconds > 0 {
        cached_top(&api, &request, api_request, &ctx).await
    } else {
        let response = api.handle(&api_request, now_ms(), random_bytes()?).await;
        to_worker_response(response)
    }
}

/// The isolate's [`Api`], built on first use. A configuration error is not kept: it names the
/// variable at fault (never its value) and is answered as a 500 until the configuration is fixed.
fn api(env: &Env) -> Result<Rc<WorkerApi>, ApiError> {
    if let Some(api) = API.with(|slot| slot.borrow().clone()) {
        return Ok(api);
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
    let api = Rc::new(Api::new(config, Client::new(url, token, FetchTransport)));
    API.with(|slot| *slot.borrow_mut() = Some(Rc::clone(&api)));
    Ok(api)
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

async fn to_api_request(request: &mut Request) -> worker::Result<ApiRequest> {
    let url = request.url()?;
    let mut api_request = ApiRequest::new(request.method().as_ref(), url.path());
    api_request.query = url.query().map(str::to_owned);
    api_request.headers = request
        .headers()
        .entries()
        .map(|(name, value)| (name.to_ascii_lowercase(), value))
        .collect();
    api_request.client_ip = api_request
        .header("cf-connecting-ip")
        .and_then(|ip| ip.trim().parse::<IpAddr>().ok());
    if !matches!(request.method(), Method::Get | Method::Head) {
        api_request.body = request.bytes().await?;
    }
    Ok(api_request)
}

fn to_worker_response(response: ApiResponse) -> worker::Result<Response> {
    let headers = Headers::new();
    for (name, value) in &response.headers {
        headers.append(name, value)?;
    }
    let builder = Response::builder()
        .with_status(response.status)
        .with_headers(headers);
    // 204 and 304 must not carry a body at all, not even an empty one.
    Ok(if response.body.is_empty() {
        builder.empty()
    } else {
        builder.fixed(response.body)
    })
}

/// `GET /v1/boards/{board}/top`: the one read shared by every viewer of a board.
fn is_top_read(request: &ApiRequest) -> bool {
    let mut segments = request.path.trim_matches('/').split('/');
    request.method == "GET"
        && segments.next() == Some("v1")
        && segments.next() == Some("boards")
        && segments.next().is_some_and(|board| !board.is_empty())
        && segments.next() == Some("top")
        && segments.next().is_none()
}

/// A top-N read through the Cache API, keyed by the full URL. A hit costs no Redis call; a miss
/// asks the API without the client's `If-None-Match` (so a 200 can be stored), stores cacheable
/// 200s after answering, and then applies `If-None-Match` itself.
async fn cached_top(
    api: &WorkerApi,
    request: &Request,
    api_request: ApiRequest,
    ctx: &Context,
) -> worker::Result<Response> {
    let cache = Cache::default();
    let key = request.url()?.to_string();

    let hit = match cache.get(key.as_str(), false).await {
        Ok(hit) => hit,
        Err(error) => {
            worker::console_warn!("podium: cache lookup failed: {error}");
            None
        }
    };
    let fresh = match hit {
        Some(cached) => return serve_cached(api, &api_request, cached),
        None => {
            let mut uncached = api_request.clone();
            uncached
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("if-none-match"));
            let response = api.handle(&uncached, now_ms(), [0; 32]).await;
            if is_cacheable(&response) {
                let stored = to_worker_response(response.clone().without_cors())?;
                ctx.wait_until(async move {
                    if let Err(error) = cache.put(key.as_str(), stored).await {
                        worker::console_warn!("podium: cache put failed: {error}");
                    }
                });
            }
            response
        }
    };
    to_worker_response(api.with_cors(&api_request, fresh.revalidate(&api_request)))
}

/// A cache hit, answered without copying its body through wasm: the stored body stream is
/// passed on as is, with the stored headers plus this caller's CORS headers, or a 304.
fn serve_cached(
    api: &WorkerApi,
    request: &ApiRequest,
    cached: Response,
) -> worker::Result<Response> {
    let head = ApiResponse {
        status: cached.status_code(),
        headers: cached
            .headers()
            .entries()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("cf-cache-status"))
            .collect(),
        body: Vec::new(),
    };
    let head = api.with_cors(request, head.revalidate(request));
    if head.status == 304 {
        return to_worker_response(head);
    }
    let headers = Headers::new();
    for (name, value) in &head.headers {
        headers.append(name, value)?;
    }
    let body = match cached.body() {
        ResponseBody::Stream(stream) => ResponseBody::Stream(stream.clone()),
        ResponseBody::Body(bytes) => ResponseBody::Body(bytes.clone()),
        ResponseBody::Empty => ResponseBody::Empty,
    };
    Ok(Response::from_body(body)?
        .with_status(head.status)
        .with_headers(headers))
}

fn is_cacheable(response: &ApiResponse) -> bool {
    response.status == 200
        && response.header("cache-control").is_some_and(|value| {
            let value = value.to_ascii_lowercase();
            value.contains("public") && !value.contains("max-age=0")
        })
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// 32 bytes from the runtime's CSPRNG (`crypto.getRandomValues`).
fn random_bytes() -> worker::Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    scope
        .crypto()?
        .get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}
