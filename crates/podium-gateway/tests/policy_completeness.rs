//! The command table is complete (issue 20): every command and subcommand that Redis 7.0,
//! Valkey 8.1 and Valkey 9.1 report has a row, every row is reported by the servers its
//! `since` names, and the facts the servers state agree with the table (admin commands are
//! refused, reads are flagged `readonly`, first keys are where `COMMAND INFO` puts them).
//!
//! The three servers are started in the default (Valkey) run of the suite only: the Redis run
//! (`PODIUM_TEST_SERVER=redis`) would repeat the same work, and says so.

use std::collections::{BTreeMap, BTreeSet};

use podium_gateway::{CommandClass, KeyPosition, Since, TableRow, command_table};
use podium_testkit::{RedisServer, ServerKind};
use redis::Value;

/// What a server says about one command or subcommand (`"CLIENT|REPLY"`).
#[derive(Debug)]
struct Reported {
    arity: i64,
    flags: Vec<String>,
    first_key: i64,
}

fn text(value: &Value) -> String {
    match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(text) => text.clone(),
        Value::Okay => "OK".into(),
        other => panic!("not text: {other:?}"),
    }
}

fn int(value: &Value) -> i64 {
    match value {
        Value::Int(number) => *number,
        other => panic!("not an integer: {other:?}"),
    }
}

fn array(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) | Value::Set(items) => items,
        other => panic!("not an array: {other:?}"),
    }
}

/// One `COMMAND INFO` entry and its subcommands, by upper-case name.
fn collect(entry: &Value, into: &mut BTreeMap<String, Reported>) {
    let fields = array(entry);
    into.insert(
        text(&fields[0]).to_ascii_uppercase(),
        Reported {
            arity: int(&fields[1]),
            flags: array(&fields[2]).iter().map(text).collect(),
            first_key: int(&fields[3]),
        },
    );
    if let Some(subcommands) = fields.get(9) {
        for subcommand in array(subcommands) {
            collect(subcommand, into);
        }
    }
}

/// Every command and subcommand the server reports.
async fn reported(
    connection: &mut redis::aio::MultiplexedConnection,
) -> BTreeMap<String, Reported> {
    let info: Value = redis::cmd("COMMAND")
        .arg("INFO")
        .query_async(connection)
        .await
        .expect("COMMAND INFO");
    let mut commands = BTreeMap::new();
    for entry in array(&info) {
        collect(entry, &mut commands);
    }
    commands
}

/// The row's name as the servers spell it in `COMMAND INFO`.
fn name(row: &TableRow) -> String {
    match row.subcommand {
        Some(subcommand) => format!("{}|{subcommand}", row.command),
        None => row.command.to_owned(),
    }
}

/// The version `INFO server` reports: Valkey's own, else Redis's.
async fn version(connection: &mut redis::aio::MultiplexedConnection) -> String {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(connection)
        .await
        .expect("INFO server");
    let field = |name: &str| {
        info.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .map(str::to_owned)
    };
    field("valkey_version")
        .or_else(|| field("redis_version"))
        .expect("a version")
}

/// Every disagreement between the table and `kind`'s server, as readable lines.
async fn problems(kind: ServerKind, version_prefix: &str, since: Since) -> Vec<String> {
    let server = RedisServer::start_with(kind, Vec::new()).await;
    let mut connection = server.connection().await;
    let version = version(&mut connection).await;
    assert!(
        version.starts_with(version_prefix),
        "{kind:?} is version {version}, not {version_prefix}: the table's `since` would be wrong"
    );
    let reported = reported(&mut connection).await;
    let rows: BTreeMap<String, TableRow> = command_table().map(|row| (name(&row), row)).collect();
    let mut problems = Vec::new();
    for (name, command) in &reported {
        let Some(row) = rows.get(name) else {
            problems.push(format!(
                "missing from the table: {name} (flags {}, first key {}, arity {})",
                command.flags.join(","),
                command.first_key,
                command.arity
            ));
            continue;
        };
        if row.since > since {
            problems.push(format!(
                "{name} is reported by {kind:?} {version}: its `since` ({:?}) is too new",
                row.since
            ));
        }
        let refused = matches!(row.class, CommandClass::Refused(_));
        if command.flags.iter().any(|flag| flag == "admin") && !refused {
            problems.push(format!("{name} is flagged admin but not refused: {row:?}"));
        }
        let readonly = command.flags.iter().any(|flag| flag == "readonly");
        if row.class == CommandClass::Read
            && !readonly
            && !["PING", "ECHO", "TIME"].contains(&name.as_str())
        {
            problems.push(format!(
                "{name} is a read for the table but not flagged readonly"
            ));
        }
        let no_auth = command.flags.iter().any(|flag| flag == "no_auth");
        if row.no_auth != no_auth {
            problems.push(format!(
                "{name}: the server's no_auth is {no_auth}, the table's {}",
                row.no_auth
            ));
        }
        let key_agrees = match (command.first_key, row.first_key) {
            (0, KeyPosition::None | KeyPosition::AfterNumkeys(_)) => true,
            (at, KeyPosition::At(position)) => at > 0 && position == at as usize,
            _ => false,
        };
        if !key_agrees {
            problems.push(format!(
                "{name}: the server puts the first key at {}, the table at {:?}",
                command.first_key, row.first_key
            ));
        }
        if let KeyPosition::AfterNumkeys(at) = row.first_key {
            // `COMMAND GETKEYS` with one key right after numkeys, placeholders elsewhere.
            let mut args: Vec<String> = vec![row.command.into()];
            args.extend(std::iter::repeat_n("0".to_owned(), at - 1));
            args.extend(["1".into(), "podium:key".into()]);
            while args.len() < command.arity.unsigned_abs() as usize {
                args.push("0".into());
            }
            let keys: redis::RedisResult<Vec<String>> = redis::cmd("COMMAND")
                .arg("GETKEYS")
                .arg(&args)
                .query_async(&mut connection)
                .await;
            if keys.as_deref() != Ok(&["podium:key".to_owned()][..]) {
                problems.push(format!("{name}: COMMAND GETKEYS {args:?} gave {keys:?}"));
            }
        }
    }
    for (name, row) in &rows {
        if row.since <= since && !reported.contains_key(name) {
            problems.push(format!(
                "{name} is in the table (since {:?}) but {kind:?} {version} does not report it",
                row.since
            ));
        }
    }
    problems
}

fn servers_to_check() -> bool {
    if ServerKind::from_env() == ServerKind::Redis {
        eprintln!(
            "policy completeness: Redis 7.0, Valkey 8.1 and 9.1 are all checked in the Valkey run \
             (PODIUM_TEST_SERVER unset or valkey), not again in this one"
        );
        return false;
    }
    true
}

#[tokio::test]
async fn every_command_every_server_reports_is_decided_by_the_table() {
    if !servers_to_check() {
        return;
    }
    let (redis7, valkey8, valkey9) = tokio::join!(
        problems(ServerKind::Redis, "7.0.", Since::Redis7_0),
        problems(ServerKind::Valkey, "8.1.", Since::Valkey8_1),
        problems(ServerKind::Valkey9, "9.1.", Since::Valkey9_1),
    );
    let mut report = String::new();
    for (server, problems) in [
        ("Redis 7.0", redis7),
        ("Valkey 8.1", valkey8),
        ("Valkey 9.1", valkey9),
    ] {
        if !problems.is_empty() {
            report.push_str(&format!("\n{server}: {} problems\n  ", problems.len()));
            report.push_str(&problems.join("\n  "));
        }
    }
    assert!(
        report.is_empty(),
        "the gateway's command table (crates/podium-gateway/src/policy.rs) disagrees with the \
         servers; add or fix these rows:{report}"
    );
    // Every row was checked against a server that reports it.
    let names: BTreeSet<String> = command_table().map(|row| name(&row)).collect();
    assert_eq!(names.len(), command_table().count(), "one row per name");
}

const DOCS: &str = "docs/protocol.md";
const BEGIN: &str = "<!-- refused-commands: generated from the gateway's command table; \
                     `PODIUM_UPDATE_DOCS=1 cargo test -p podium-gateway --test policy_completeness` \
                     rewrites it -->";
const END: &str = "<!-- /refused-commands -->";

/// The refused commands by reason, as the docs list them: a container refused whole with one
/// reason is `CLIENT …`, a refused subcommand `SCRIPT DEBUG`.
fn refused_commands_markdown() -> String {
    use podium_gateway::RefusalReason;
    let rows: Vec<TableRow> = command_table().collect();
    let mut out = String::from("| refused | why | commands |\n|---|---|---|\n");
    for reason in RefusalReason::ALL {
        let refused = CommandClass::Refused(reason);
        let mut names: Vec<String> = Vec::new();
        for row in rows.iter().filter(|row| row.subcommand.is_none()) {
            let subcommands: Vec<&TableRow> = rows
                .iter()
                .filter(|sub| sub.command == row.command && sub.subcommand.is_some())
                .collect();
            if row.class == refused && subcommands.iter().all(|sub| sub.class == refused) {
                let whole = if subcommands.is_empty() { "" } else { " …" };
                names.push(format!("{}{whole}", row.command));
            } else {
                names.extend(
                    subcommands
                        .iter()
                        .filter(|sub| sub.class == refused)
                        .map(|sub| {
                            format!("{} {}", row.command, sub.subcommand.unwrap_or_default())
                        }),
                );
            }
            if reason == RefusalReason::Blocking && row.blocking_with_block_option {
                names.push(format!("{} BLOCK", row.command));
            }
        }
        let when = if reason == RefusalReason::Dangerous {
            "unless `--allow-dangerous-commands`"
        } else {
            "always"
        };
        out.push_str(&format!(
            "| {when} | {} | {} |\n",
            reason.explanation(),
            names.join(", ")
        ));
    }
    out
}

#[test]
fn the_docs_list_the_refused_commands_of_the_table() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(DOCS);
    let docs = std::fs::read_to_string(&path).expect("docs/protocol.md");
    let block = format!("{BEGIN}\n{}{END}", refused_commands_markdown());
    let (Some(start), Some(end)) = (docs.find(BEGIN), docs.find(END)) else {
        panic!("{DOCS} has no block of refused commands; add:\n{block}");
    };
    let current = &docs[start..end + END.len()];
    if current == block {
        return;
    }
    if std::env::var_os("PODIUM_UPDATE_DOCS").is_some() {
        let updated = docs.replacen(current, &block, 1);
        std::fs::write(&path, updated).expect("rewrite docs/protocol.md");
        return;
    }
    panic!(
        "{DOCS} lists other refused commands than the table; run with PODIUM_UPDATE_DOCS=1, or \
         replace its block with:\n{block}"
    );
}
