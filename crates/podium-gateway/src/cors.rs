//! CORS: any origin may call the gateway (the token is what protects it), with the Upstash
//! client's headers allowed and the sync token exposed, as Upstash does.
//!
//! Written here rather than taken from tower-http's `CorsLayer`, which evaluates a
//! configurable policy on every request: this policy never varies, so its headers are made once
//! and copied in (docs/benchmarks.md has what that saves per request).

use std::convert::Infallible;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use futures::FutureExt;
use futures::future::{Either, Map, Ready, ready};
use tower::{Layer, Service};

/// Methods and headers a browser may use, for the preflight answer.
const ALLOW_METHODS: HeaderValue = HeaderValue::from_static("GET, POST, PUT, HEAD");
const ALLOW_HEADERS: HeaderValue = HeaderValue::from_static(
    "authorization, content-type, upstash-encoding, upstash-sync-token, \
     upstash-response-format, upstash-telemetry-runtime, upstash-telemetry-platform, \
     upstash-telemetry-sdk",
);
/// How long a browser may reuse a preflight answer (browsers cap it lower themselves).
const MAX_AGE: HeaderValue = HeaderValue::from_static("86400");
const ANY_ORIGIN: HeaderValue = HeaderValue::from_static("*");
const EXPOSE_HEADERS: HeaderValue = HeaderValue::from_static("upstash-sync-token");

/// Adds the CORS headers to every response, and answers preflight requests (`OPTIONS`)
/// itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorsLayer;

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors { inner }
    }
}

#[derive(Debug, Clone)]
pub struct Cors<S> {
    inner: S,
}

type WithHeaders<F> = Map<F, fn(Result<Response, Infallible>) -> Result<Response, Infallible>>;

impl<S> Service<Request> for Cors<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<Ready<Result<Response, Infallible>>, WithHeaders<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if request.method() == Method::OPTIONS {
            return Either::Left(ready(Ok(preflight())));
        }
        let add: fn(Result<Response, Infallible>) -> Result<Response, Infallible> = |response| {
            response.map(|mut response| {
                let headers = response.headers_mut();
                headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
                headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, EXPOSE_HEADERS);
                response
            })
        };
        Either::Right(self.inner.call(request).map(add))
    }
}

/// The answer to any `OPTIONS` request: the protocol has no other use for the method.
fn preflight() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, ANY_ORIGIN);
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, ALLOW_METHODS);
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, MAX_AGE);
    response
}
