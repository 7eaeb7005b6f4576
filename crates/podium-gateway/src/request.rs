//! The Upstash request forms, turned into Redis commands (each a list of byte arguments).
//!
//! | form         | example                                   | command              |
//! |--------------|-------------------------------------------|----------------------|
//! | body         | `POST /` `["SET","foo","bar","EX",100]`   | `SET foo bar EX 100` |
//! | path         | `GET /set/foo/bar/EX/100`                 | `SET foo bar EX 100` |
//! | path + body  | `POST /set/foo` body `bar`                | `SET foo bar`        |
//! | path + query | `POST /set/foo?EX=100` body `bar`         | `SET foo bar EX 100` |

use std::borrow::Cow;

use percent_encoding::percent_decode;
use serde_json::value::RawValue;

use crate::error::GatewayError;

/// One command: the name first, then its arguments, as bytes.
pub type CommandArgs = Vec<Vec<u8>>;

/// The query parameter that may carry the token; never passed on as an argument.
pub const TOKEN_PARAM: &str = "_token";

/// The command a single-command request asks for.
pub fn single_command(
    path: &str,
    query: Option<&str>,
    body: &[u8],
) -> Result<CommandArgs, GatewayError> {
    let segments = path_segments(path)?;
    let command = if segments.is_empty() {
        parse_command_json(body)?
    } else {
        let mut command = segments;
        if !body.is_empty() {
            command.push(body.to_vec());
        }
        command.extend(query_arguments(query));
        command
    };
    if command.is_empty() {
        return Err(GatewayError::BadRequest("empty command".into()));
    }
    Ok(command)
}

/// The commands of a `/pipeline` or `/multi-exec` body: `[["SET","k","v"],["INCR","k"]]`.
pub fn command_list(body: &[u8], max: usize) -> Result<Vec<CommandArgs>, GatewayError> {
    let raw: Vec<&RawValue> = serde_json::from_slice(body).map_err(|_| {
        GatewayError::BadRequest("the body must be a JSON array of commands".into())
    })?;
    if raw.is_empty() {
        return Err(GatewayError::BadRequest("empty pipeline".into()));
    }
    if raw.len() > max {
        return Err(GatewayError::BadRequest(format!(
            "pipeline too long: {} commands, at most {max}",
            raw.len()
        )));
    }
    raw.into_iter()
        .map(|command| {
            let command = parse_command_json(command.get().as_bytes())?;
            if command.is_empty() {
                return Err(GatewayError::BadRequest("empty command".into()));
            }
            Ok(command)
        })
        .collect()
}

/// `["SET","foo",1.50,true]` → `SET foo 1.50 true`; a number keeps the text it was sent as.
fn parse_command_json(body: &[u8]) -> Result<CommandArgs, GatewayError> {
    let invalid =
        || GatewayError::BadRequest("a command must be a JSON array of strings and numbers".into());
    let raw: Vec<&RawValue> = serde_json::from_slice(body).map_err(|_| invalid())?;
    raw.into_iter()
        .map(|arg| {
            let text = arg.get();
            match text.as_bytes().first() {
                Some(b'"') => serde_json::from_str::<String>(text)
                    .map(String::into_bytes)
                    .map_err(|_| invalid()),
                Some(b'-' | b'0'..=b'9') => Ok(text.as_bytes().to_vec()),
                Some(b't' | b'f') => Ok(text.as_bytes().to_vec()),
                _ => Err(invalid()),
            }
        })
        .collect()
}

/// `/set/foo/bar%20baz` → `["set", "foo", "bar baz"]`; `/` → `[]`.
fn path_segments(path: &str) -> Result<Vec<Vec<u8>>, GatewayError> {
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = path.strip_suffix('/').unwrap_or(path);
    if path.is_empty() {
        return Ok(Vec::new());
    }
    // Every request of the path form comes through here: split as bytes, into a vector sized
    // for the segments and a body.
    let path = path.as_bytes();
    let mut segments = Vec::with_capacity(path.iter().filter(|&&byte| byte == b'/').count() + 2);
    segments.extend(path.split(|&byte| byte == b'/').map(decode));
    Ok(segments)
}

/// A percent-decoded argument, allocated once at its size (collecting the decoder's bytes one
/// by one grew each argument's buffer several times).
fn decode(part: &[u8]) -> Vec<u8> {
    Cow::<[u8]>::from(percent_decode(part)).into_owned()
}

/// `?EX=100&NX` → `EX 100 NX`, without the token parameter.
fn query_arguments(query: Option<&str>) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key: Vec<u8> = decode_query_part(key);
        if key == TOKEN_PARAM.as_bytes() {
            continue;
        }
        args.push(key);
        if !value.is_empty() {
            args.push(decode_query_part(value));
        }
    }
    args
}

fn decode_query_part(part: &str) -> Vec<u8> {
    // `+` is a space in a query; a part without one is decoded without a copy first.
    let part: Cow<str> = if part.contains('+') {
        part.replace('+', " ").into()
    } else {
        part.into()
    };
    decode(part.as_bytes())
}

/// The `_token` query parameter, if present.
pub fn token_from_query(query: Option<&str>) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == TOKEN_PARAM)
            .then(|| String::from_utf8_lossy(&decode_query_part(value)).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(command: CommandArgs) -> Vec<String> {
        command
            .into_iter()
            .map(|arg| String::from_utf8_lossy(&arg).into_owned())
            .collect()
    }

    fn single(path: &str, query: Option<&str>, body: &str) -> Vec<String> {
        strings(single_command(path, query, body.as_bytes()).unwrap_or_default())
    }

    #[test]
    fn every_request_form_gives_the_same_command() {
        let want = ["SET", "foo", "bar", "EX", "100"];
        assert_eq!(single("/", None, r#"["SET","foo","bar","EX",100]"#), want);
        assert_eq!(single("/SET/foo/bar/EX/100", None, ""), want);
        assert_eq!(single("/SET/foo", Some("EX=100"), "bar"), want);
        assert_eq!(
            single("/SET/foo", Some("_token=secret&EX=100"), "bar"),
            want
        );
    }

    #[test]
    fn numbers_keep_their_text_and_paths_are_url_decoded() {
        assert_eq!(
            single("/", None, r#"["ZADD","lb",1.50,"p",-0,1e3,true]"#),
            ["ZADD", "lb", "1.50", "p", "-0", "1e3", "true"]
        );
        assert_eq!(
            single("/set/a%2Fb/h%C3%A9%20llo/", None, ""),
            ["set", "a/b", "hé llo"]
        );
    }

    #[test]
    fn rejects_malformed_commands() {
        for body in [
            "",
            "{}",
            "[[1]]",
            r#"["SET",null]"#,
            r#"["SET",{"a":1}]"#,
            "[",
            "[]",
        ] {
            assert!(
                single_command("/", None, body.as_bytes()).is_err(),
                "{body}"
            );
        }
    }

    #[test]
    fn pipelines_are_bounded_and_well_formed() {
        let body = br#"[["SET","k","v"],["INCR","k"]]"#;
        let commands = command_list(body, 10).unwrap_or_default();
        assert_eq!(commands.len(), 2);
        assert!(command_list(body, 1).is_err());
        assert!(command_list(b"[]", 10).is_err());
        assert!(command_list(b"[[]]", 10).is_err());
        assert!(command_list(br#"["SET","k"]"#, 10).is_err());
    }

    #[test]
    fn finds_the_query_token() {
        assert_eq!(
            token_from_query(Some("a=1&_token=x%2By")),
            Some("x+y".into())
        );
        assert_eq!(token_from_query(Some("a=1")), None);
        assert_eq!(token_from_query(None), None);
    }
}
