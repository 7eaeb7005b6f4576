//! An in-memory [`Transport`] for unit tests: it records requests and answers from a script.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::TransportError;
use crate::transport::{HttpResponse, Transport};

#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub(crate) url: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Sent {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
pub(crate) struct FakeTransport {
    replies: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: RefCell<Vec<Sent>>,
}

impl FakeTransport {
    /// Queues a reply with this status and JSON body.
    pub(crate) fn reply(self, status: u16, body: &str) -> Self {
        self.replies.borrow_mut().push_back(Ok(HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
        }));
        self
    }

    pub(crate) fn fail(self, message: &str) -> Self {
        self.replies
            .borrow_mut()
            .push_back(Err(TransportError::new(message)));
        self
    }

    pub(crate) fn sent(&self) -> Vec<Sent> {
        self.sent.borrow().clone()
    }
}

/// `{"result":"<base64>"}`, the way the gateway sends a string.
pub(crate) fn result_text(text: &str) -> String {
    format!(r#"{{"result":"{}"}}"#, STANDARD.encode(text))
}

/// `{"result":["<base64>",…]}`.
pub(crate) fn result_texts(texts: &[&str]) -> String {
    let items: Vec<String> = texts.iter().map(|t| STANDARD.encode(t)).collect();
    serde_json::json!({ "result": items }).to_string()
}

impl Transport for FakeTransport {
    fn post(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        self.sent.borrow_mut().push(Sent {
            url: url.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: String::from_utf8(body).expect("request bodies are JSON"),
        });
        let reply = self
            .replies
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| Err(TransportError::new("no scripted reply left")));
        async move { reply }
    }
}
