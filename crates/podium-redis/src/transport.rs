use std::future::Future;

use crate::error::TransportError;

/// How requests reach the REST endpoint. The client only ever POSTs a JSON body, so that is all a
/// transport has to do.
///
/// The future has no `Send` bound: in a Cloudflare Worker (wasm32) fetch futures hold JavaScript
/// values and are not `Send`, and a Worker is single-threaded anyway.
pub trait Transport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>>;
}

/// What came back: any status (non-2xx is interpreted by the client, not the transport).
///
/// No headers: the protocol answers everything in the status and the JSON body, and in a Worker
/// each header read is a call across the wasm boundary on every Redis call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl<T: Transport> Transport for &T {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        (**self).post(url, headers, body)
    }
}
