//! The gateway's request parsing: path, query and body in every Upstash form → Redis commands,
//! then the command policy. Never panics; what it accepts is well formed; and commands that
//! a client encodes (as a JSON body or as a percent-encoded path) come back exactly.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use podium_fuzz::policy::{classify, first_key, is_read_only};
use podium_fuzz::request::{command_list, single_command, token_from_query};

#[derive(Debug, Arbitrary)]
struct Input {
    path: String,
    query: Option<String>,
    body: Vec<u8>,
    max_pipeline: u8,
    /// A command as a client library would send it.
    args: Vec<String>,
}

fuzz_target!(|input: Input| {
    // Arbitrary requests: refused or parsed, never a panic.
    if let Ok(command) = single_command(&input.path, input.query.as_deref(), &input.body) {
        assert!(!command.is_empty());
        check_policy(&command);
        // A `_token` parameter, wherever it is in the query, never reaches the command: adding
        // one changes nothing. (A value may be the text `_token`; only the parameter is taken.)
        let query = input.query.as_deref().unwrap_or_default();
        for with_token in [
            format!("{query}&_token=fuzz-secret"),
            format!("_token=fuzz-secret&{query}"),
        ] {
            let again = single_command(&input.path, Some(&with_token), &input.body);
            assert_eq!(again.ok().as_ref(), Some(&command), "{with_token:?}");
        }
    }
    let _ = token_from_query(input.query.as_deref());
    let max = usize::from(input.max_pipeline).max(1);
    if let Ok(commands) = command_list(&input.body, max) {
        assert!((1..=max).contains(&commands.len()));
        for command in &commands {
            assert!(!command.is_empty());
            check_policy(command);
        }
    }

    // Well-formed commands round-trip through the body form and the path form.
    if input.args.is_empty() {
        return;
    }
    let expected: Vec<Vec<u8>> = input
        .args
        .iter()
        .map(|arg| arg.as_bytes().to_vec())
        .collect();
    let body = serde_json::to_vec(&input.args).expect("strings serialise");
    let parsed = single_command("/", None, &body).expect("a JSON array of strings is a command");
    assert_eq!(parsed, expected);
    let pipeline = serde_json::to_vec(&[&input.args, &input.args]).expect("serialises");
    let parsed = command_list(&pipeline, 2).expect("a list of commands is a pipeline");
    assert_eq!(parsed, [expected.clone(), expected.clone()]);
    // An empty last segment cannot be told from a trailing slash, which the protocol ignores.
    if input.args.last().is_some_and(|arg| !arg.is_empty()) {
        let path: String = input
            .args
            .iter()
            .map(|arg| format!("/{}", utf8_percent_encode(arg, NON_ALPHANUMERIC)))
            .collect();
        let parsed = single_command(&path, None, b"").expect("a path is a command");
        assert_eq!(parsed, expected, "path {path}");
    }
});

fn check_policy(command: &[Vec<u8>]) {
    let _ = classify(command);
    let _ = is_read_only(command);
    if let Some(key) = first_key(command) {
        assert!(command.iter().any(|arg| arg.as_slice() == key));
    }
}
