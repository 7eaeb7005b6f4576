//! The gateway's reply encoders: any Redis value → `{"result": …}` JSON (plain and base64) and
//! RESP2 bytes. Never panics; the JSON always parses; base64 strings decode back to the exact
//! bytes; RESP2 parses back to the same replies, one frame per reply.
#![no_main]

use arbitrary::{Arbitrary, Result, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use libfuzzer_sys::fuzz_target;
use podium_fuzz::reply::{
    Encoding, PipelineReply, entries_json, entry_json, replies_resp2, write_resp2,
};
use redis::{PushKind, Value, VerbatimFormat};
use serde_json::Value as Json;

/// Deep enough for any reply shape Podium's scripts return, shallow enough for the stack.
const MAX_DEPTH: u32 = 6;

/// A Redis value as redis-rs's parser can produce it: simple strings and error texts are one
/// line (no CR or LF), since the wire format ends them at CRLF.
#[derive(Debug)]
struct Input {
    value: Value,
    replies: Vec<PipelineReply>,
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let value = value_at(u, 0)?;
        let count = u.int_in_range(0..=8)?;
        let mut replies = Vec::with_capacity(count);
        for _ in 0..count {
            replies.push(if u.arbitrary()? {
                Ok(value_at(u, 1)?)
            } else {
                // Gateway refusals carry client text (a command name): any string at all.
                Err(u.arbitrary()?)
            });
        }
        Ok(Self { value, replies })
    }
}

fn one_line(u: &mut Unstructured<'_>) -> Result<String> {
    let text: String = u.arbitrary()?;
    Ok(text.replace(['\r', '\n'], " "))
}

fn server_error(u: &mut Unstructured<'_>) -> Result<Value> {
    let code = u.choose(&["ERR", "WRONGTYPE", "NOSCRIPT", "BUSY", "NOPERM"])?;
    let details = one_line(u)?;
    let wire = format!("-{code} {details}\r\n");
    Ok(redis::parse_redis_value(wire.as_bytes()).unwrap_or(Value::Nil))
}

fn items(u: &mut Unstructured<'_>, depth: u32) -> Result<Vec<Value>> {
    let count = u.int_in_range(0..=6)?;
    (0..count).map(|_| value_at(u, depth + 1)).collect()
}

fn value_at(u: &mut Unstructured<'_>, depth: u32) -> Result<Value> {
    let leaf_kinds = 11;
    let kinds = if depth >= MAX_DEPTH {
        leaf_kinds
    } else {
        leaf_kinds + 5
    };
    Ok(match u.int_in_range(0..=kinds - 1)? {
        0 => Value::Nil,
        1 => Value::Int(u.arbitrary()?),
        2 | 3 => Value::BulkString(u.arbitrary()?),
        4 => Value::SimpleString(one_line(u)?),
        5 => Value::Okay,
        6 => Value::Double(u.arbitrary()?),
        7 => Value::Boolean(u.arbitrary()?),
        8 => Value::VerbatimString {
            format: VerbatimFormat::Text,
            text: u.arbitrary()?,
        },
        9 => Value::BigNumber(u.arbitrary()?),
        10 => server_error(u)?,
        11 => Value::Array(items(u, depth)?),
        12 => Value::Set(items(u, depth)?),
        13 => Value::Push {
            kind: PushKind::Message,
            data: items(u, depth)?,
        },
        14 => {
            let count = u.int_in_range(0..=4)?;
            let pairs = (0..count)
                .map(|_| Ok((value_at(u, depth + 1)?, value_at(u, depth + 1)?)))
                .collect::<Result<_>>()?;
            Value::Map(pairs)
        }
        _ => Value::Attribute {
            data: Box::new(value_at(u, depth + 1)?),
            attributes: Vec::new(),
        },
    })
}

/// The text the gateway writes for a server error.
fn error_text(value: &Value) -> String {
    match value {
        Value::ServerError(error) => match error.details() {
            Some(details) => format!("{} {}", error.code(), details),
            None => error.code().to_owned(),
        },
        _ => unreachable!(),
    }
}

/// Checks a base64 JSON reply against the value it encodes, recursively.
fn check_base64(value: &Value, json: &Json, top: bool) {
    let decoded = |json: &Json| -> Vec<u8> {
        let text = json
            .as_str()
            .unwrap_or_else(|| panic!("expected a string, got {json}"));
        BASE64.decode(text).expect("valid base64")
    };
    match value {
        Value::Nil => assert_eq!(json, &Json::Null),
        Value::Int(n) => assert_eq!(json.as_i64(), Some(*n)),
        Value::Boolean(b) => assert_eq!(json.as_i64(), Some(i64::from(*b))),
        Value::BulkString(bytes) | Value::BigNumber(bytes) => assert_eq!(&decoded(json), bytes),
        Value::SimpleString(text) => assert_eq!(decoded(json), text.as_bytes()),
        Value::VerbatimString { text, .. } => assert_eq!(decoded(json), text.as_bytes()),
        Value::Okay if top => assert_eq!(json, "OK"),
        Value::Okay => assert_eq!(decoded(json), b"OK"),
        Value::Double(n) => assert_eq!(decoded(json), n.to_string().as_bytes()),
        Value::ServerError(_) => assert_eq!(decoded(json), error_text(value).as_bytes()),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            let array = json.as_array().expect("an array");
            assert_eq!(array.len(), items.len());
            for (item, json) in items.iter().zip(array) {
                check_base64(item, json, false);
            }
        }
        Value::Map(pairs) => {
            let array = json.as_array().expect("a flattened map");
            assert_eq!(array.len(), pairs.len() * 2);
            for ((key, value), json) in pairs.iter().zip(array.chunks(2)) {
                check_base64(key, &json[0], false);
                check_base64(value, &json[1], false);
            }
        }
        // The top-level `OK` exception is for a plain status reply only, not one inside a
        // RESP3 attribute (which RESP2 connections never carry anyway).
        Value::Attribute { data, .. } => check_base64(data, json, false),
        _ => {}
    }
}

/// One RESP2 frame as a client reads it.
#[derive(Debug, PartialEq)]
enum Frame {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Vec<u8>),
    Nil,
    Array(Vec<Frame>),
}

/// The frame RESP2 must carry for a value: RESP3-only shapes as RESP2 sends them.
fn expected(value: &Value) -> Frame {
    match value {
        Value::Nil => Frame::Nil,
        Value::Int(n) => Frame::Int(*n),
        Value::Boolean(b) => Frame::Int(i64::from(*b)),
        Value::BulkString(bytes) | Value::BigNumber(bytes) => Frame::Bulk(bytes.clone()),
        Value::SimpleString(text) => Frame::Simple(text.clone()),
        Value::Okay => Frame::Simple("OK".into()),
        Value::ServerError(_) => Frame::Error(error_text(value)),
        Value::Double(n) => Frame::Bulk(n.to_string().into_bytes()),
        Value::VerbatimString { text, .. } => Frame::Bulk(text.clone().into_bytes()),
        Value::Array(items) | Value::Set(items) | Value::Push { data: items, .. } => {
            Frame::Array(items.iter().map(expected).collect())
        }
        Value::Map(pairs) => Frame::Array(
            pairs
                .iter()
                .flat_map(|(key, value)| [expected(key), expected(value)])
                .collect(),
        ),
        Value::Attribute { data, .. } => expected(data),
        _ => Frame::Nil,
    }
}

/// Parses consecutive RESP2 frames, strictly: a small independent reader, so that a framing
/// mistake in the encoder cannot be hidden by the same mistake in a shared parser.
fn parse_frames(mut bytes: &[u8]) -> Vec<Frame> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let (frame, rest) =
            parse_frame(bytes).unwrap_or_else(|| panic!("unparsable RESP2: {bytes:?}"));
        frames.push(frame);
        bytes = rest;
    }
    frames
}

fn parse_frame(bytes: &[u8]) -> Option<(Frame, &[u8])> {
    let end = bytes.windows(2).position(|pair| pair == b"\r\n")?;
    let (line, rest) = (&bytes[1..end], &bytes[end + 2..]);
    let text = std::str::from_utf8(line).ok()?;
    Some(match bytes[0] {
        b'+' => (Frame::Simple(text.to_owned()), rest),
        b'-' => (Frame::Error(text.to_owned()), rest),
        b':' => (Frame::Int(text.parse().ok()?), rest),
        b'$' if text == "-1" => (Frame::Nil, rest),
        b'$' => {
            let len: usize = text.parse().ok()?;
            let body = rest.get(..len)?;
            (
                Frame::Bulk(body.to_vec()),
                rest.get(len..)?.strip_prefix(b"\r\n")?,
            )
        }
        b'*' => {
            let count: usize = text.parse().ok()?;
            let mut items = Vec::new();
            let mut rest = rest;
            for _ in 0..count {
                let (item, after) = parse_frame(rest)?;
                items.push(item);
                rest = after;
            }
            (Frame::Array(items), rest)
        }
        _ => return None,
    })
}

fuzz_target!(|input: Input| {
    for encoding in [Encoding::Text, Encoding::Base64] {
        let json: Json =
            serde_json::from_slice(&entry_json(&input.value, encoding)).expect("valid JSON");
        let object = json.as_object().expect("an object");
        assert_eq!(object.len(), 1);
        match &input.value {
            Value::ServerError(_) => assert_eq!(object["error"], error_text(&input.value)),
            value if encoding == Encoding::Base64 => check_base64(value, &object["result"], true),
            _ => assert!(object.contains_key("result")),
        }
        let entries: Json =
            serde_json::from_slice(&entries_json(&input.replies, encoding)).expect("valid JSON");
        assert_eq!(entries.as_array().map(Vec::len), Some(input.replies.len()));
    }

    let mut out = Vec::new();
    write_resp2(&mut out, &input.value);
    assert_eq!(
        parse_frames(&out),
        [expected(&input.value)],
        "{:?} as {out:?}",
        input.value
    );

    let frames = parse_frames(&replies_resp2(&input.replies));
    assert_eq!(frames.len(), input.replies.len(), "one frame per reply");
    for (frame, reply) in frames.iter().zip(&input.replies) {
        match reply {
            Ok(value) => assert_eq!(frame, &expected(value)),
            // One line whatever the text: CR and LF become spaces.
            Err(text) => assert_eq!(frame, &Frame::Error(text.replace(['\r', '\n'], " "))),
        }
    }
});
