//! Redis replies as the Upstash protocol returns them: JSON in RESP2 shapes (optionally with
//! every string base64-encoded) or the raw RESP2 bytes.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use redis::Value;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

/// One reply of a pipeline or transaction: a value, or the error text Redis sent for it.
pub type PipelineReply = Result<Value, String>;

/// How strings in a JSON reply are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 text; bytes that are not UTF-8 become U+FFFD.
    Text,
    /// Every string base64-encoded, except a top-level `OK` status.
    Base64,
}

/// The text Redis sent for an error reply, unchanged (`NOSCRIPT No matching script…`).
pub fn server_error_text(error: &redis::ServerError) -> String {
    match error.details() {
        Some(details) => format!("{} {}", error.code(), details),
        None => error.code().to_owned(),
    }
}

/// One command's reply, as shared by every request of a coalesced flight: the plain JSON
/// they all answer with is encoded once.
#[derive(Debug)]
pub struct SharedReply {
    value: Value,
    text_json: OnceLock<Bytes>,
}

impl SharedReply {
    pub fn new(value: Value) -> Self {
        Self {
            value,
            text_json: OnceLock::new(),
        }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    /// [`entry_json`] of the value, encoded once for plain JSON (what nearly every client asks
    /// for) and on each call for base64.
    pub fn json(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Text => self
                .text_json
                .get_or_init(|| entry_json(&self.value, encoding).into())
                .clone(),
            Encoding::Base64 => entry_json(&self.value, encoding).into(),
        }
    }
}

/// `{"result": …}` or, for an error reply, `{"error": "…"}`.
pub fn entry_json(value: &Value, encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    write_entry(&mut out, value, encoding);
    out
}

/// `[{"result": …}, {"error": "…"}, …]`, one entry per reply.
pub fn entries_json(replies: &[PipelineReply], encoding: Encoding) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 * replies.len().max(1));
    out.push(b'[');
    for (i, reply) in replies.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match reply {
            Ok(value) => write_entry(&mut out, value, encoding),
            Err(error) => {
                let _ = serde_json::to_writer(&mut out, &ErrorJson { error });
            }
        }
    }
    out.push(b']');
    out
}

/// The entry of a reply that is only an error text (a refused pipeline command).
#[derive(serde::Serialize)]
struct ErrorJson<'a> {
    error: &'a str,
}

fn write_entry(out: &mut Vec<u8>, value: &Value, encoding: Encoding) {
    let mut serializer = serde_json::Serializer::new(out);
    // Serializing into a Vec cannot fail: every value has a JSON form.
    let _ = EntryJson { value, encoding }.serialize(&mut serializer);
}

/// The RESP2 bytes of pipeline replies, one after another.
pub fn replies_resp2(replies: &[PipelineReply]) -> Vec<u8> {
    let mut out = Vec::new();
    for reply in replies {
        match reply {
            Ok(value) => write_resp2(&mut out, value),
            Err(error) => line(&mut out, b'-', error),
        }
    }
    out
}

/// A value as one JSON entry: `{"result": …}`, or `{"error": "…"}` for an error reply.
struct EntryJson<'a> {
    value: &'a Value,
    encoding: Encoding,
}

impl serde::Serialize for EntryJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        match self.value {
            Value::ServerError(error) => map.serialize_entry("error", &server_error_text(error))?,
            Value::Okay => map.serialize_entry("result", "OK")?,
            value => map.serialize_entry(
                "result",
                &Json {
                    value,
                    encoding: self.encoding,
                },
            )?,
        }
        map.end()
    }
}

struct Json<'a> {
    value: &'a Value,
    encoding: Encoding,
}

impl Json<'_> {
    fn nested<'b>(&self, value: &'b Value) -> Json<'b> {
        Json {
            value,
            encoding: self.encoding,
        }
    }

    fn string<S: Serializer>(&self, serializer: S, bytes: &[u8]) -> Result<S::Ok, S::Error> {
        match self.encoding {
            Encoding::Base64 => serializer.serialize_str(&BASE64.encode(bytes)),
            Encoding::Text => serializer.serialize_str(&String::from_utf8_lossy(bytes)),
        }
    }
}

impl serde::Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Value::Nil => serializer.serialize_unit(),
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::BulkString(bytes) => self.string(serializer, bytes),
            Value::SimpleString(text) => self.string(serializer, text.as_bytes()),
            Value::Okay => self.string(serializer, b"OK"),
            Value::ServerError(error) => {
                self.string(serializer, server_error_text(error).as_bytes())
            }
            Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&self.nested(item))?;
                }
                seq.end()
            }
            // RESP3-only shapes never arrive on our RESP2 connections; should one appear,
            // flatten it the way RESP2 would have sent it.
            Value::Map(pairs) => {
                let mut seq = serializer.serialize_seq(Some(pairs.len() * 2))?;
                for (key, value) in pairs {
                    seq.serialize_element(&self.nested(key))?;
                    seq.serialize_element(&self.nested(value))?;
                }
                seq.end()
            }
            Value::Attribute { data, .. } => self.nested(data).serialize(serializer),
            Value::Double(n) => self.string(serializer, n.to_string().as_bytes()),
            Value::Boolean(b) => serializer.serialize_i64(i64::from(*b)),
            Value::VerbatimString { text, .. } => self.string(serializer, text.as_bytes()),
            Value::BigNumber(n) => self.string(serializer, n),
            _ => serializer.serialize_unit(),
        }
    }
}

/// A one-line RESP2 frame: `+status` or `-error`. A CR or LF inside would end the frame early
/// and let the rest of the text pose as further replies (a refused command's error quotes the
/// client's command name), so each becomes a space, as Redis does with its own error texts.
fn line(out: &mut Vec<u8>, kind: u8, text: &str) {
    out.push(kind);
    out.extend(text.bytes().map(|byte| {
        if matches!(byte, b'\r' | b'\n') {
            b' '
        } else {
            byte
        }
    }));
    out.extend_from_slice(b"\r\n");
}

/// The RESP2 bytes of a reply, for `Upstash-Response-Format: resp2`.
///
/// Written by hand: redis-rs parses RESP but exposes no encoder for its `Value`, and RESP2's
/// five frame types take a dozen lines.
pub fn write_resp2(out: &mut Vec<u8>, value: &Value) {
    fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
        out.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
        out.extend_from_slice(bytes);
        out.extend_from_slice(b"\r\n");
    }
    fn array(out: &mut Vec<u8>, items: &[Value]) {
        out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
        for item in items {
            write_resp2(out, item);
        }
    }
    match value {
        Value::Nil => out.extend_from_slice(b"$-1\r\n"),
        Value::Int(n) => out.extend_from_slice(format!(":{n}\r\n").as_bytes()),
        Value::BulkString(bytes) => bulk(out, bytes),
        Value::SimpleString(text) => line(out, b'+', text),
        Value::Okay => out.extend_from_slice(b"+OK\r\n"),
        Value::ServerError(error) => line(out, b'-', &server_error_text(error)),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            array(out, items);
        }
        Value::Map(pairs) => {
            out.extend_from_slice(format!("*{}\r\n", pairs.len() * 2).as_bytes());
            for (key, value) in pairs {
                write_resp2(out, key);
                write_resp2(out, value);
            }
        }
        Value::Attribute { data, .. } => write_resp2(out, data),
        Value::Double(n) => bulk(out, n.to_string().as_bytes()),
        Value::Boolean(b) => out.extend_from_slice(format!(":{}\r\n", i64::from(*b)).as_bytes()),
        Value::VerbatimString { text, .. } => bulk(out, text.as_bytes()),
        Value::BigNumber(n) => bulk(out, n),
        _ => out.extend_from_slice(b"$-1\r\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(value: &Value, encoding: Encoding) -> String {
        String::from_utf8(entry_json(value, encoding)).unwrap_or_default()
    }

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn top_level_ok_is_never_encoded_but_ok_inside_arrays_is() {
        assert_eq!(json(&Value::Okay, Encoding::Base64), r#"{"result":"OK"}"#);
        assert_eq!(
            json(
                &Value::Array(vec![Value::Okay, bulk("OK")]),
                Encoding::Base64
            ),
            r#"{"result":["T0s=","T0s="]}"#
        );
    }

    #[test]
    fn base64_reaches_nested_arrays_and_leaves_ints_and_nulls() {
        let value = Value::Array(vec![
            bulk("a"),
            Value::Int(7),
            Value::Nil,
            Value::Array(vec![bulk("🎮"), Value::BulkString(vec![0xff, 0x00])]),
        ]);
        assert_eq!(
            json(&value, Encoding::Base64),
            r#"{"result":["YQ==",7,null,["8J+Org==","/wA="]]}"#
        );
        assert_eq!(
            json(&value, Encoding::Text),
            "{\"result\":[\"a\",7,null,[\"🎮\",\"\u{fffd}\\u0000\"]]}"
        );
    }

    #[test]
    fn errors_keep_the_server_text() {
        let reply = redis::parse_redis_value(b"-NOSCRIPT No matching script. Please use EVAL.\r\n");
        let reply = reply.unwrap_or(Value::Nil);
        assert_eq!(
            json(&reply, Encoding::Base64),
            r#"{"error":"NOSCRIPT No matching script. Please use EVAL."}"#
        );
        let mut out = Vec::new();
        write_resp2(&mut out, &reply);
        assert_eq!(out, b"-NOSCRIPT No matching script. Please use EVAL.\r\n");
    }

    /// Found by the `gateway_reply` fuzz target: an error text holding CRLF (a read-only
    /// token's refusal quotes the command name the client sent) split one reply into several.
    #[test]
    fn resp2_error_and_status_lines_stay_one_frame() {
        let refused = "NOPERM this token is read-only and cannot run 'GET\r\n+OK\r\n:1'".to_owned();
        let out = replies_resp2(&[Err(refused), Ok(Value::Int(1))]);
        assert_eq!(
            out,
            b"-NOPERM this token is read-only and cannot run 'GET  +OK  :1'\r\n:1\r\n"
        );
        let mut out = Vec::new();
        write_resp2(&mut out, &Value::SimpleString("a\nb\rc".into()));
        assert_eq!(out, b"+a b c\r\n");
    }

    #[test]
    fn resp2_bytes() {
        let mut out = Vec::new();
        write_resp2(
            &mut out,
            &Value::Array(vec![bulk("a"), Value::Int(-2), Value::Nil, Value::Okay]),
        );
        assert_eq!(out, b"*4\r\n$1\r\na\r\n:-2\r\n$-1\r\n+OK\r\n");
    }
}
