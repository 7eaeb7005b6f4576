use std::future::Future;

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

/// A [`Transport`] over `reqwest` (rustls with the ring provider), for servers, tools and tests.
///
/// Cloning is cheap and shares the connection pool, as with `reqwest::Client`.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with reqwest's defaults. Installs ring as the process's rustls provider if none
    /// is installed yet: the workspace builds rustls without a built-in choice.
    pub fn new() -> Result<Self, TransportError> {
        install_crypto_provider();
        let client = reqwest::Client::builder().build().map_err(|e| chain(&e))?;
        Ok(Self { client })
    }

    /// Uses a client configured by the caller (timeouts, proxies, extra roots…). Call
    /// [`install_crypto_provider`] before building it.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

/// Installs ring as rustls's process-wide provider. Safe to call repeatedly: a provider that is
/// already installed (by us or by the application) is kept.
pub fn install_crypto_provider() {
    let _already_installed = rustls::crypto::ring::default_provider().install_default();
}

impl Transport for ReqwestTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        let mut request = self.client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move {
            let response = request.send().await.map_err(|e| chain(&e))?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(|e| chain(&e))?;
            Ok(HttpResponse {
                status,
                body: body.to_vec(),
            })
        }
    }
}

/// reqwest's own message ("error sending request for url …") hides the cause; the sources say
/// what actually failed ("Connection refused", a certificate problem…).
fn chain(error: &dyn std::error::Error) -> TransportError {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    TransportError::new(message)
}
