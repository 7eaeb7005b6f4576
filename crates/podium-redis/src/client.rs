use std::fmt;

use crate::command::{Arg, Command, pipeline_json_body};
use crate::error::{Error, RedisServerError, Result};
use crate::response::{decode_many, decode_single};
use crate::script::Script;
use crate::transport::{HttpResponse, Transport};
use crate::value::{FromValue, Value};

/// A client for one Upstash-compatible REST endpoint, over any [`Transport`].
///
/// It is cheap to build (no connection of its own), so a Worker can make one per request.
#[derive(Clone)]
pub struct Client<T> {
    base_url: String,
    /// `Bearer <token>`, built once. Only ever sent as a header: a token in a URL ends up in logs.
    authorization: String,
    transport: T,
}

impl<T: Transport> Client<T> {
    /// `base_url` is the endpoint root, e.g. `https://eu1-x.upstash.io` (a trailing `/` is fine).
    pub fn new(base_url: impl Into<String>, token: impl AsRef<str>, transport: T) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Self {
            base_url,
            authorization: format!("Bearer {}", token.as_ref()),
            transport,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Runs one command; a Redis error reply is `Err(Error::Server)`.
    pub async fn exec(&self, command: Command) -> Result<Value> {
        self.run(&command).await
    }

    /// Runs one command and converts its reply, e.g. `query::<Option<String>>(get)`.
    pub async fn query<R: FromValue>(&self, command: Command) -> Result<R> {
        R::from_value(self.run(&command).await?)
    }

    /// Sends many commands in one round trip (`POST /pipeline`). They run in order but not
    /// atomically, and each has its own outcome: one failing command does not fail the others.
    pub async fn pipeline(
        &self,
        commands: Vec<Command>,
    ) -> Result<Vec<Result<Value, RedisServerError>>> {
        self.run_many("/pipeline", &commands).await
    }

    /// Runs commands atomically as MULTI … EXEC (`POST /multi-exec`). A command that fails at run
    /// time has its own error entry, as in Redis; a transaction discarded as a whole (e.g.
    /// `EXECABORT` after a syntax error) is `Err(Error::Server)`.
    pub async fn transaction(
        &self,
        commands: Vec<Command>,
    ) -> Result<Vec<Result<Value, RedisServerError>>> {
        self.run_many("/multi-exec", &commands).await
    }

    /// Runs a Lua script by hash, sending its source only when the server does not know it yet
    /// (`NOSCRIPT`), so the common case costs one short request.
    pub async fn evalsha_or_eval<R, K, A>(
        &self,
        script: &Script,
        keys: impl IntoIterator<Item = K>,
        args: impl IntoIterator<Item = A>,
    ) -> Result<R>
    where
        R: FromValue,
        K: Arg,
        A: Arg,
    {
        let keys: Vec<K> = keys.into_iter().collect();
        let evalsha = Command::new("EVALSHA")
            .arg(script.sha1())
            .arg(keys.len())
            .args(keys)
            .args(args);
        match self.run(&evalsha).await {
            Err(Error::Server(e)) if e.code == "NOSCRIPT" => {
                let eval = evalsha.replace_head("EVAL", script.source());
                R::from_value(self.run(&eval).await?)
            }
            other => R::from_value(other?),
        }
    }

    async fn run(&self, command: &Command) -> Result<Value> {
        let response = self.post("/", command.to_json_body()?).await?;
        decode_single(response.status, &response.body)
    }

    async fn run_many(
        &self,
        path: &str,
        commands: &[Command],
    ) -> Result<Vec<Result<Value, RedisServerError>>> {
        // An empty request is refused by Upstash; nothing to send means nothing to answer.
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let response = self.post(path, pipeline_json_body(commands)?).await?;
        decode_many(response.status, &response.body, commands.len())
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<HttpResponse> {
        let url = format!("{}{path}", self.base_url);
        let headers = [
            ("authorization", self.authorization.as_str()),
            ("content-type", "application/json"),
            // Without it, bytes that are not UTF-8 come back as U+FFFD.
            ("upstash-encoding", "base64"),
        ];
        Ok(self.transport.post(&url, &headers, body).await?)
    }
}

/// Shows where the client points but never the token.
impl<T> fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::TransportError;
    use crate::fake::{FakeTransport, result_text, result_texts};

    fn client(fake: FakeTransport) -> Client<FakeTransport> {
        Client::new("http://gw.test/", "s3cret", fake)
    }

    #[tokio::test]
    async fn exec_posts_json_with_auth_and_base64_headers() {
        let c = client(FakeTransport::default().reply(200, r#"{"result":"OK"}"#));
        let cmd = Command::new("SET").arg("k").arg("v");
        assert_eq!(c.exec(cmd).await.unwrap(), Value::Bytes(b"OK".to_vec()));

        let sent = c.transport().sent();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].url, "http://gw.test/");
        assert_eq!(sent[0].body, r#"["SET","k","v"]"#);
        assert_eq!(sent[0].header("authorization"), Some("Bearer s3cret"));
        assert_eq!(sent[0].header("upstash-encoding"), Some("base64"));
        assert_eq!(sent[0].header("content-type"), Some("application/json"));
    }

    #[test]
    fn token_stays_out_of_debug_and_url() {
        let c = client(FakeTransport::default());
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("http://gw.test"));
        assert_eq!(c.base_url(), "http://gw.test");
    }

    #[tokio::test]
    async fn query_converts_and_server_errors_are_typed() {
        let c = client(
            FakeTransport::default()
                .reply(200, &result_text("🏆"))
                .reply(400, r#"{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}"#),
        );
        let text: String = c.query(Command::new("GET").arg("k")).await.unwrap();
        assert_eq!(text, "🏆");
        match c.query::<String>(Command::new("GET").arg("h")).await {
            Err(Error::Server(e)) => assert_eq!(e.code, "WRONGTYPE"),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn invalid_arguments_are_refused_before_sending() {
        let c = client(FakeTransport::default());
        let cmd = Command::new("SET").arg("k").arg(&[0xff][..]);
        assert!(matches!(
            c.exec(cmd).await,
            Err(Error::NonUtf8Argument { .. })
        ));
        assert!(c.transport().sent().is_empty());
    }

    #[tokio::test]
    async fn transport_failures_surface() {
        let c = client(FakeTransport::default().fail("connection refused"));
        match c.ping().await {
            Err(Error::Transport(e)) => assert_eq!(e, TransportError::new("connection refused")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[tokio::test]
    async fn pipeline_keeps_per_command_errors() {
        let body = r#"[{"result":"OK"},{"error":"ERR value is not an integer or out of range"},{"result":2}]"#;
        let c = client(FakeTransport::default().reply(200, body));
        let replies = c
            .pipeline(vec![
                Command::new("SET").arg("k").arg("v"),
                Command::new("INCR").arg("k"),
                Command::new("ZCARD").arg("lb"),
            ])
            .await
            .unwrap();
        assert_eq!(replies.len(), 3);
        assert_eq!(replies[0], Ok(Value::Bytes(b"OK".to_vec())));
        assert_eq!(replies[1].as_ref().unwrap_err().code, "ERR");
        assert_eq!(replies[2], Ok(Value::Int(2)));

        let sent = c.transport().sent();
        assert_eq!(sent[0].url, "http://gw.test/pipeline");
        assert_eq!(
            sent[0].body,
            r#"[["SET","k","v"],["INCR","k"],["ZCARD","lb"]]"#
        );
    }

    #[tokio::test]
    async fn empty_pipeline_sends_nothing() {
        let c = client(FakeTransport::default());
        assert!(c.pipeline(Vec::new()).await.unwrap().is_empty());
        assert!(c.transaction(Vec::new()).await.unwrap().is_empty());
        assert!(c.transport().sent().is_empty());
    }

    #[tokio::test]
    async fn transaction_posts_to_multi_exec_and_discard_is_an_error() {
        let c = client(
            FakeTransport::default()
                .reply(200, r#"[{"result":1},{"result":2}]"#)
                .reply(
                    400,
                    r#"{"error":"EXECABORT Transaction discarded because of previous errors."}"#,
                ),
        );
        let cmds = || vec![Command::new("INCR").arg("a"), Command::new("INCR").arg("a")];
        let replies = c.transaction(cmds()).await.unwrap();
        assert_eq!(replies, vec![Ok(Value::Int(1)), Ok(Value::Int(2))]);
        match c.transaction(cmds()).await {
            Err(Error::Server(e)) => assert_eq!(e.code, "EXECABORT"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(c.transport().sent()[0].url, "http://gw.test/multi-exec");
    }

    #[tokio::test]
    async fn evalsha_falls_back_to_eval_on_noscript() {
        let script = Script::new("return ARGV[1]");
        let c = client(
            FakeTransport::default()
                .reply(
                    400,
                    r#"{"error":"NOSCRIPT No matching script. Please use EVAL."}"#,
                )
                .reply(200, &result_text("hi")),
        );
        let out: String = c
            .evalsha_or_eval(&script, ["k1", "k2"], ["hi"])
            .await
            .unwrap();
        assert_eq!(out, "hi");

        let sent = c.transport().sent();
        let evalsha = serde_json::json!(["EVALSHA", script.sha1(), "2", "k1", "k2", "hi"]);
        let eval = serde_json::json!(["EVAL", "return ARGV[1]", "2", "k1", "k2", "hi"]);
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].body, evalsha.to_string());
        assert_eq!(sent[1].body, eval.to_string());
    }

    #[tokio::test]
    async fn evalsha_hit_sends_one_request_and_other_errors_pass_through() {
        let script = Script::new("return 1");
        let c = client(
            FakeTransport::default()
                .reply(200, r#"{"result":1}"#)
                .reply(400, r#"{"error":"ERR user_script:1: boom"}"#),
        );
        let one: i64 = c
            .evalsha_or_eval(&script, Vec::<&str>::new(), [5u32])
            .await
            .unwrap();
        assert_eq!(one, 1);
        assert!(matches!(
            c.evalsha_or_eval::<Value, &str, &str>(&script, [], [])
                .await,
            Err(Error::Server(_))
        ));
        assert_eq!(c.transport().sent().len(), 2);
    }

    #[tokio::test]
    async fn arrays_decode_through_query() {
        let c = client(FakeTransport::default().reply(200, &result_texts(&["a", "1", "b", "2.5"])));
        let pairs: Vec<(String, f64)> = c
            .query(
                Command::new("ZRANGE")
                    .arg("lb")
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES"),
            )
            .await
            .unwrap();
        assert_eq!(pairs, vec![("a".to_owned(), 1.0), ("b".to_owned(), 2.5)]);
    }
}
