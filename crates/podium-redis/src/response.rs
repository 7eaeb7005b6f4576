//! Decoding of REST response bodies sent with `Upstash-Encoding: base64`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value as Json};

use crate::error::{Error, RedisServerError, Result};
use crate::value::Value;

/// The reply of one command: a value, or Redis's error for that command alone.
pub(crate) type Reply = Result<Value, RedisServerError>;

/// Decodes the response to a single command (`POST /`).
pub(crate) fn decode_single(status: u16, body: &[u8]) -> Result<Value> {
    check_status(status, body)?;
    let json = parse_json(body)?;
    // Outer `?`: a malformed entry; inner `?`: Redis's error reply for this command.
    Ok(decode_entry(&json)??)
}

/// Decodes the response to `/pipeline` or `/multi-exec`: one entry per command, in order.
/// A non-array 2xx body carrying an error (a discarded transaction) is an error as a whole.
pub(crate) fn decode_many(status: u16, body: &[u8], expected: usize) -> Result<Vec<Reply>> {
    check_status(status, body)?;
    match parse_json(body)? {
        Json::Array(entries) => {
            if entries.len() != expected {
                return Err(Error::Protocol(format!(
                    "sent {expected} commands but got {} replies",
                    entries.len()
                )));
            }
            entries.iter().map(decode_entry).collect()
        }
        Json::Object(entry) => match error_text(&entry) {
            Some(text) => Err(Error::Server(RedisServerError::parse(text))),
            None => Err(Error::Protocol(
                "expected an array of replies, got an object without an error".to_owned(),
            )),
        },
        other => Err(Error::Protocol(format!(
            "expected an array of replies, got {}",
            kind(&other)
        ))),
    }
}

/// Maps non-2xx statuses to errors. 401 is the token; a 4xx with an `{"error"}` body carries
/// Redis's (or the gateway's) error text, which callers match by code: the protocol says 400,
/// but a gateway may pick a closer status (403 for a read-only token, 413 for a large body).
/// 5xx is about the service, not the command.
fn check_status(status: u16, body: &[u8]) -> Result<()> {
    match status {
        200..=299 => Ok(()),
        401 => Err(Error::Unauthorized),
        400..=499 => match json_error_text(body) {
            Some(text) => Err(Error::Server(RedisServerError::parse(&text))),
            None if status == 400 => Err(Error::Protocol(
                "HTTP 400 without an \"error\" field".to_owned(),
            )),
            None => Err(Error::UnexpectedStatus {
                status,
                message: body_message(body),
            }),
        },
        500..=599 => Err(Error::Unavailable {
            status,
            message: body_message(body),
        }),
        _ => Err(Error::UnexpectedStatus {
            status,
            message: body_message(body),
        }),
    }
}

/// The `error` field of a JSON error body, if that is what the body is.
fn json_error_text(body: &[u8]) -> Option<String> {
    let json: Json = serde_json::from_slice(body).ok()?;
    Some(json.get("error")?.as_str()?.to_owned())
}

/// The `error` field of an error body, or a short excerpt of whatever else came back.
fn body_message(body: &[u8]) -> String {
    json_error_text(body).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        text.chars().take(200).collect::<String>().trim().to_owned()
    })
}

fn parse_json(body: &[u8]) -> Result<Json> {
    serde_json::from_slice(body).map_err(|e| Error::Protocol(format!("body is not JSON: {e}")))
}

fn error_text(entry: &Map<String, Json>) -> Option<&str> {
    entry.get("error").and_then(Json::as_str)
}

/// `{"result": …}` or `{"error": "…"}`. Error texts are never base64-encoded.
fn decode_entry(entry: &Json) -> Result<Reply> {
    let Json::Object(map) = entry else {
        return Err(Error::Protocol(format!(
            "expected a reply object, got {}",
            kind(entry)
        )));
    };
    if let Some(error) = map.get("error") {
        return match error.as_str() {
            Some(text) => Ok(Err(RedisServerError::parse(text))),
            None => Err(Error::Protocol("\"error\" is not a string".to_owned())),
        };
    }
    match map.get("result") {
        Some(result) => decode_top_level(result).map(Ok),
        None => Err(Error::Protocol(
            "reply has neither \"result\" nor \"error\"".to_owned(),
        )),
    }
}

/// A reply's outermost value: the one place where `"OK"` is sent as is rather than encoded.
/// Base64 text always has a length divisible by four, so `"OK"` cannot be mistaken for it.
fn decode_top_level(json: &Json) -> Result<Value> {
    match json {
        Json::String(s) if s == "OK" => Ok(Value::Bytes(b"OK".to_vec())),
        other => decode_value(other),
    }
}

/// Every string below the top level, `"OK"` included, is base64.
fn decode_value(json: &Json) -> Result<Value> {
    match json {
        Json::Null => Ok(Value::Nil),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .ok_or_else(|| Error::Protocol(format!("number {n} is not a 64-bit integer"))),
        Json::String(s) => STANDARD
            .decode(s)
            .map(Value::Bytes)
            .map_err(|e| Error::Protocol(format!("invalid base64 {s:?}: {e}"))),
        Json::Array(items) => items
            .iter()
            .map(decode_value)
            .collect::<Result<_>>()
            .map(Value::Array),
        other => Err(Error::Protocol(format!(
            "{} is not a valid reply value",
            kind(other)
        ))),
    }
}

fn kind(json: &Json) -> &'static str {
    match json {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    fn b64(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    fn single(body: &str) -> Result<Value> {
        decode_single(200, body.as_bytes())
    }

    #[test]
    fn top_level_ok_is_plain() {
        assert_eq!(single(r#"{"result":"OK"}"#).unwrap(), b("OK"));
    }

    #[test]
    fn ok_inside_an_array_is_encoded() {
        let body = r#"{"result":["T0s=","T0s="]}"#;
        assert_eq!(single(body).unwrap(), Value::Array(vec![b("OK"), b("OK")]));
        // A plain "OK" below the top level is not base64: the gateway broke the protocol.
        assert!(matches!(
            single(r#"{"result":["OK"]}"#),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn strings_ints_and_nulls() {
        assert_eq!(single(r#"{"result":"YmFy"}"#).unwrap(), b("bar"));
        assert_eq!(single(r#"{"result":""}"#).unwrap(), b(""));
        assert_eq!(single(r#"{"result":null}"#).unwrap(), Value::Nil);
        assert_eq!(single(r#"{"result":42}"#).unwrap(), Value::Int(42));
        assert_eq!(
            single(r#"{"result":-9223372036854775808}"#).unwrap(),
            Value::Int(i64::MIN)
        );
    }

    #[test]
    fn nested_arrays() {
        let body = format!(
            r#"{{"result":["{}",[1,null,["{}"]],[],null,7]}}"#,
            b64(b"alice"),
            b64(b"20")
        );
        assert_eq!(
            single(&body).unwrap(),
            Value::Array(vec![
                b("alice"),
                Value::Array(vec![Value::Int(1), Value::Nil, Value::Array(vec![b("20")])]),
                Value::Array(vec![]),
                Value::Nil,
                Value::Int(7),
            ])
        );
    }

    #[test]
    fn emoji_and_non_utf8_bytes_are_exact() {
        let emoji = "🏆 champion";
        let body = format!(r#"{{"result":"{}"}}"#, b64(emoji.as_bytes()));
        assert_eq!(single(&body).unwrap().as_str(), Some(emoji));

        let raw = [0x00, 0xff, 0xfe, 0x80, b'a'];
        let body = format!(r#"{{"result":["{}"]}}"#, b64(&raw));
        assert_eq!(
            single(&body).unwrap(),
            Value::Array(vec![Value::Bytes(raw.to_vec())])
        );
    }

    #[test]
    fn error_entry_on_2xx_is_a_server_error() {
        match single(
            r#"{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}"#,
        ) {
            Err(Error::Server(e)) => {
                assert_eq!(e.code, "WRONGTYPE");
                assert_eq!(
                    e.message,
                    "Operation against a key holding the wrong kind of value"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn statuses() {
        let err = |status: u16, body: &str| decode_single(status, body.as_bytes()).unwrap_err();

        assert!(matches!(
            err(
                401,
                r#"{"error":"WRONGPASS invalid or missing auth token"}"#
            ),
            Error::Unauthorized
        ));
        assert!(matches!(err(401, ""), Error::Unauthorized));

        for (text, code) in [
            ("ERR value is not an integer or out of range", "ERR"),
            (
                "WRONGTYPE Operation against a key holding the wrong kind of value",
                "WRONGTYPE",
            ),
            ("NOSCRIPT No matching script. Please use EVAL.", "NOSCRIPT"),
            (
                "NOPERM this user has no permissions to run the 'set' command",
                "NOPERM",
            ),
        ] {
            let body = serde_json::json!({ "error": text }).to_string();
            match err(400, &body) {
                Error::Server(e) => {
                    assert_eq!(e.code, code);
                    assert_eq!(e.to_string(), text);
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(matches!(err(400, "oops"), Error::Protocol(_)));
        assert!(matches!(err(400, r#"{"result":1}"#), Error::Protocol(_)));

        match err(503, r#"{"error":"redis unavailable"}"#) {
            Error::Unavailable { status, message } => {
                assert_eq!(status, 503);
                assert_eq!(message, "redis unavailable");
            }
            other => panic!("unexpected {other:?}"),
        }
        match err(502, "<html>Bad Gateway</html>\n") {
            Error::Unavailable { status, message } => {
                assert_eq!(status, 502);
                assert_eq!(message, "<html>Bad Gateway</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
        match err(403, r#"{"error":"NOPERM this token is read-only"}"#) {
            Error::Server(e) => assert_eq!(e.code, "NOPERM"),
            other => panic!("unexpected {other:?}"),
        }
        match err(404, "not found") {
            Error::UnexpectedStatus { status, message } => {
                assert_eq!(status, 404);
                assert_eq!(message, "not found");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn malformed_bodies() {
        for body in [
            "",
            "not json",
            r#"{"result":"#,
            r#"[]"#,
            r#"{}"#,
            r#"{"result":true}"#,
            r#"{"result":1.5}"#,
            r#"{"result":{"a":"YQ=="}}"#,
            r#"{"result":"not base64!"}"#,
            r#"{"error":5}"#,
        ] {
            assert!(
                matches!(single(body), Err(Error::Protocol(_))),
                "{body} should be a protocol error"
            );
        }
    }

    #[test]
    fn pipeline_entries_with_errors() {
        let body = format!(
            r#"[{{"result":"OK"}},{{"error":"ERR value is not an integer or out of range"}},{{"result":"{}"}},{{"result":["T0s=",3]}}]"#,
            b64(b"v")
        );
        let replies = decode_many(200, body.as_bytes(), 4).unwrap();
        assert_eq!(replies[0], Ok(b("OK")));
        let err = replies[1].as_ref().unwrap_err();
        assert_eq!(err.code, "ERR");
        assert_eq!(err.message, "value is not an integer or out of range");
        assert_eq!(replies[2], Ok(b("v")));
        assert_eq!(replies[3], Ok(Value::Array(vec![b("OK"), Value::Int(3)])));
    }

    #[test]
    fn pipeline_shape_errors() {
        assert!(matches!(
            decode_many(200, br#"[{"result":1}]"#, 2),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            decode_many(200, br#"[{"result":1}, 5]"#, 2),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            decode_many(200, br#"{"result":[1]}"#, 1),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            decode_many(200, b"nope", 1),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn discarded_transaction_is_an_error() {
        let body = br#"{"error":"EXECABORT Transaction discarded because of previous errors."}"#;
        for status in [400, 200] {
            match decode_many(status, body, 2) {
                Err(Error::Server(e)) => assert_eq!(e.code, "EXECABORT"),
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(matches!(decode_many(401, b"", 2), Err(Error::Unauthorized)));
    }
}
