//! Which Redis commands an HTTP gateway may run, and which ones a read-only token may run.
//!
//! A REST request borrows a shared, multiplexed connection for one round trip, so any command
//! that changes the connection's state (SELECT, AUTH, MULTI, CLIENT …), waits on the server
//! (BLPOP …) or turns it into a stream (SUBSCRIBE, MONITOR) would break every other request on
//! that connection: those are always refused. Administrative commands that can wipe or stall
//! the whole server are refused unless the operator opts in for development.

use std::sync::LazyLock;

/// The command tables are fixed and looked up on every request: a fast hasher, and no seed is
/// needed since nothing is ever inserted after they are built.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
type HashSet<T> = std::collections::HashSet<T, foldhash::fast::FixedState>;

/// What the gateway does with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandClass {
    /// Reads data; allowed for the read-only token.
    Read,
    /// May write; needs the full token.
    Write,
    /// Never forwarded, or only with the dangerous-commands opt-in.
    Refused(RefusalReason),
}

/// Why a command is refused; each reason has a stable, human-readable explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalReason {
    /// Waits on the server and would hold a shared connection.
    Blocking,
    /// Changes the state of the connection it runs on.
    ConnectionState,
    /// Turns the connection into a stream of pushed messages.
    Streaming,
    /// Cluster management belongs to the operator, not to REST clients.
    Cluster,
    /// Can wipe, reconfigure or stall the whole server; allowed only with an explicit opt-in.
    Dangerous,
}

impl RefusalReason {
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Blocking => "blocking commands are not supported over REST",
            Self::ConnectionState => "connection state commands are not supported over REST",
            Self::Streaming => "streaming commands are not supported over REST",
            Self::Cluster => "cluster commands are not supported over REST",
            Self::Dangerous => "dangerous commands are disabled on this gateway",
        }
    }
}

const BLOCKING: &[&str] = &[
    "BLPOP",
    "BRPOP",
    "BRPOPLPUSH",
    "BLMOVE",
    "BLMPOP",
    "BZPOPMIN",
    "BZPOPMAX",
    "BZMPOP",
    "WAIT",
    "WAITAOF",
];

const CONNECTION_STATE: &[&str] = &[
    "SELECT",
    "AUTH",
    "HELLO",
    "RESET",
    "CLIENT",
    "QUIT",
    "WATCH",
    "UNWATCH",
    "MULTI",
    "EXEC",
    "DISCARD",
    "READONLY",
    "READWRITE",
    "ASKING",
];

const STREAMING: &[&str] = &[
    "SUBSCRIBE",
    "PSUBSCRIBE",
    "SSUBSCRIBE",
    "UNSUBSCRIBE",
    "PUNSUBSCRIBE",
    "SUNSUBSCRIBE",
    "MONITOR",
    "SYNC",
    "PSYNC",
    "REPLCONF",
];

const CLUSTER: &[&str] = &["CLUSTER"];

const DANGEROUS: &[&str] = &[
    "FLUSHALL",
    "FLUSHDB",
    "CONFIG",
    "DEBUG",
    "SHUTDOWN",
    "MODULE",
    "ACL",
    "REPLICAOF",
    "SLAVEOF",
    "FAILOVER",
    "SAVE",
    "BGSAVE",
    "BGREWRITEAOF",
    "KEYS",
    "SWAPDB",
    "MIGRATE",
];

/// Subcommands of otherwise harmless commands that can wipe the server's scripts and
/// functions. (SCRIPT KILL and FUNCTION KILL are not among them: they end a runaway script,
/// the one way to recover without restarting the server, and are the full token's to send.)
const DANGEROUS_SUBCOMMANDS: &[(&str, &str)] = &[
    ("SCRIPT", "FLUSH"),
    ("FUNCTION", "FLUSH"),
    ("FUNCTION", "DELETE"),
    ("FUNCTION", "RESTORE"),
];

/// Commands that end the script or function running on the server. While one runs the server
/// answers nobody else, so these must not wait behind it on a shared connection: the gateway
/// sends them on a connection of their own.
const KILLS: &[(&str, &str)] = &[("SCRIPT", "KILL"), ("FUNCTION", "KILL")];

/// Connection-state commands the gateway itself sends on its own connection: for
/// `/multi-exec`, and to follow a cluster's redirects. Its Redis user must keep them; the other
/// [`CONNECTION_STATE`] commands are denied to that user too (see [`acl_rules`]), except
/// [`NO_AUTH`].
const SENT_BY_THE_GATEWAY: &[&str] = &["MULTI", "EXEC", "READONLY", "ASKING"];

/// Connection-state commands the server lets every connection run whatever its ACL user (they
/// are flagged `no-auth`): no ACL rule can deny them, and none may run inside a script.
const NO_AUTH: &[&str] = &["AUTH", "HELLO", "RESET", "QUIT"];

/// Commands a read-only token may run: Redis's `@read` category without its expensive
/// keyspace scans (KEYS, SCAN), plus PING/ECHO. They are [`SHAREABLE_READS`] and
/// [`OTHER_READS`].
///
/// No script is among them, not even EVAL_RO, EVALSHA_RO or FCALL_RO: a read-only script can
/// still call KEYS and SCAN or loop forever and stall the server for every client, and only
/// the server could hold it to less. A read-only token is the one shipped to browsers. (On
/// Upstash too, `+@read -@dangerous` leaves them out: they are `@scripting`, not `@read`.)
///
/// Shareable reads are those whose reply depends only on the data they read: no randomness
/// (SRANDMEMBER …), no scripts (which may call TIME), no server or connection state.
/// Identical ones in flight together may share one execution, since any order of concurrent
/// requests is a valid one. Kept as an allow list: a read missing here only loses the sharing.
const SHAREABLE_READS: &[&str] = &[
    "EXISTS",
    "TYPE",
    "TTL",
    "PTTL",
    "EXPIRETIME",
    "PEXPIRETIME",
    "GET",
    "MGET",
    "GETRANGE",
    "STRLEN",
    "GETBIT",
    "BITCOUNT",
    "BITPOS",
    "HGET",
    "HMGET",
    "HGETALL",
    "HKEYS",
    "HVALS",
    "HLEN",
    "HEXISTS",
    "HSTRLEN",
    "LRANGE",
    "LINDEX",
    "LLEN",
    "LPOS",
    "SMEMBERS",
    "SISMEMBER",
    "SMISMEMBER",
    "SCARD",
    "ZRANGE",
    "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX",
    "ZREVRANGEBYLEX",
    "ZREVRANGE",
    "ZRANK",
    "ZREVRANK",
    "ZSCORE",
    "ZMSCORE",
    "ZCARD",
    "ZCOUNT",
    "ZLEXCOUNT",
];

/// The reads that are not [`SHAREABLE_READS`].
const OTHER_READS: &[&str] = &[
    "PING",
    "ECHO",
    "TIME",
    "DBSIZE",
    "TOUCH",
    "OBJECT",
    "RANDOMKEY",
    "DUMP",
    "SUBSTR",
    "LCS",
    "BITFIELD_RO",
    "HRANDFIELD",
    "HSCAN",
    "HTTL",
    "HPTTL",
    "HEXPIRETIME",
    "HPEXPIRETIME",
    "SRANDMEMBER",
    "SINTER",
    "SINTERCARD",
    "SUNION",
    "SDIFF",
    "SSCAN",
    "ZRANDMEMBER",
    "ZSCAN",
    "ZINTER",
    "ZUNION",
    "ZDIFF",
    "ZINTERCARD",
    "XRANGE",
    "XREVRANGE",
    "XLEN",
    "XREAD",
    "XINFO",
    "XPENDING",
    "GEOPOS",
    "GEODIST",
    "GEOHASH",
    "GEORADIUS_RO",
    "GEORADIUSBYMEMBER_RO",
    "GEOSEARCH",
    "PFCOUNT",
];

/// Longer than any command or option name.
const NAME_MAX: usize = 32;

/// A command or option name in upper case, kept on the stack: names are compared on every
/// request.
struct Name {
    bytes: [u8; NAME_MAX],
    len: usize,
}

impl Name {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// `argument` in upper case; empty when it is too long to name anything.
fn upper(argument: &[u8]) -> Name {
    let mut name = Name {
        bytes: [0; NAME_MAX],
        len: 0,
    };
    if let Some(bytes) = name.bytes.get_mut(..argument.len()) {
        bytes.copy_from_slice(argument);
        bytes.make_ascii_uppercase();
        name.len = argument.len();
    }
    name
}

/// Every listed command's class, built once: classification runs on every request.
static CLASSES: LazyLock<HashMap<&'static [u8], CommandClass>> = LazyLock::new(|| {
    let mut classes = HashMap::default();
    let lists: [(&[&'static str], CommandClass); 7] = [
        (SHAREABLE_READS, CommandClass::Read),
        (OTHER_READS, CommandClass::Read),
        (BLOCKING, CommandClass::Refused(RefusalReason::Blocking)),
        (
            CONNECTION_STATE,
            CommandClass::Refused(RefusalReason::ConnectionState),
        ),
        (STREAMING, CommandClass::Refused(RefusalReason::Streaming)),
        (CLUSTER, CommandClass::Refused(RefusalReason::Cluster)),
        (DANGEROUS, CommandClass::Refused(RefusalReason::Dangerous)),
    ];
    for (names, class) in lists {
        for &name in names {
            classes.insert(name.as_bytes(), class);
        }
    }
    classes
});

/// Classifies a command given as its arguments (name first), case-insensitively.
pub fn classify<A: AsRef<[u8]>>(command: &[A]) -> CommandClass {
    let Some(first) = command.first() else {
        return CommandClass::Refused(RefusalReason::ConnectionState);
    };
    let name = upper(first.as_ref());
    match name.as_bytes() {
        b"XREAD" | b"XREADGROUP" if is_blocking_stream_read(command) => {
            CommandClass::Refused(RefusalReason::Blocking)
        }
        b"SCRIPT" | b"FUNCTION"
            if command.get(1).is_some_and(|sub| {
                let sub = upper(sub.as_ref());
                DANGEROUS_SUBCOMMANDS.iter().any(|&(command, subcommand)| {
                    command.as_bytes() == name.as_bytes() && subcommand.as_bytes() == sub.as_bytes()
                })
            }) =>
        {
            CommandClass::Refused(RefusalReason::Dangerous)
        }
        name => CLASSES.get(name).copied().unwrap_or(CommandClass::Write),
    }
}

/// XREAD and XREADGROUP are only blocking with a BLOCK option before STREAMS.
fn is_blocking_stream_read<A: AsRef<[u8]>>(command: &[A]) -> bool {
    command
        .iter()
        .skip(1)
        .map(|arg| upper(arg.as_ref()))
        .take_while(|arg| arg.as_bytes() != b"STREAMS")
        .any(|arg| arg.as_bytes() == b"BLOCK")
}

/// The largest key the gateway accepts, as on Upstash.
pub const MAX_KEY_BYTES: usize = 32 * 1024;

/// The first key of a command, found where Redis puts keys: right after the name for almost
/// every command, after `numkeys` for scripts and functions. `None` for keyless commands.
///
/// Used to route pipelines on a cluster and to bound key sizes; commands with several keys
/// (MSET, ZUNIONSTORE …) are judged by their first.
pub fn first_key<A: AsRef<[u8]>>(command: &[A]) -> Option<&[u8]> {
    let name = upper(command.first()?.as_ref());
    let key = match name.as_bytes() {
        b"PING" | b"ECHO" | b"TIME" | b"DBSIZE" | b"INFO" | b"SCRIPT" | b"FUNCTION"
        | b"COMMAND" | b"RANDOMKEY" | b"SCAN" | b"LASTSAVE" | b"PUBLISH" | b"SPUBLISH"
        | b"MEMORY" | b"OBJECT" | b"XREAD" | b"XREADGROUP" | b"WAIT" | b"FLUSHALL" | b"FLUSHDB"
        | b"KEYS" | b"CONFIG" => {
            return None;
        }
        b"EVAL" | b"EVALSHA" | b"EVAL_RO" | b"EVALSHA_RO" | b"FCALL" | b"FCALL_RO" => {
            let numkeys: usize = std::str::from_utf8(command.get(2)?.as_ref())
                .ok()?
                .parse()
                .ok()?;
            if numkeys == 0 {
                return None;
            }
            command.get(3)?
        }
        _ => command.get(1)?,
    };
    Some(key.as_ref())
}

static SHAREABLE_SET: LazyLock<HashSet<&'static [u8]>> =
    LazyLock::new(|| SHAREABLE_READS.iter().map(|name| name.as_bytes()).collect());

/// True when identical concurrent requests for this command may share one execution.
pub fn is_shareable<A: AsRef<[u8]>>(command: &[A]) -> bool {
    command
        .first()
        .is_some_and(|name| SHAREABLE_SET.contains(upper(name.as_ref()).as_bytes()))
}

/// True when a read-only token may run this command.
pub fn is_read_only<A: AsRef<[u8]>>(command: &[A]) -> bool {
    classify(command) == CommandClass::Read
}

/// True for SCRIPT KILL and FUNCTION KILL, which must reach the server on a connection of
/// their own (see [`KILLS`]).
pub fn is_kill<A: AsRef<[u8]>>(command: &[A]) -> bool {
    let [name, sub, ..] = command else {
        return false;
    };
    let (name, sub) = (upper(name.as_ref()), upper(sub.as_ref()));
    KILLS.iter().any(|&(command, subcommand)| {
        command.as_bytes() == name.as_bytes() && subcommand.as_bytes() == sub.as_bytes()
    })
}

/// The ACL rules for the Redis user the gateway connects as, so that what the gateway refuses
/// as a command is refused inside scripts too (a script runs with its caller's ACL rights):
/// every key and channel and every command except those of [`acl_denied`].
///
/// Derived from the same tables as [`classify`], so the two cannot drift apart; the gateway
/// prints them (`podium-gateway --print-acl-rules`) for `ACL SETUSER` or an ElastiCache
/// access string.
pub fn acl_rules() -> String {
    let mut rules = String::from("on ~* &* +@all");
    for command in acl_denied() {
        rules.push_str(" -");
        rules.push_str(&command.join("|").to_ascii_lowercase());
    }
    rules
}

/// What [`acl_rules`] denies, each as the arguments that name it (`["FLUSHDB"]`,
/// `["SCRIPT", "FLUSH"]`): the [`DANGEROUS`] commands and subcommands, and the
/// [`CONNECTION_STATE`] commands the gateway never sends itself and an ACL can deny (SELECT is
/// legal in a script).
pub fn acl_denied() -> Vec<Vec<&'static str>> {
    let connection_state = CONNECTION_STATE
        .iter()
        .filter(|name| !SENT_BY_THE_GATEWAY.contains(name) && !NO_AUTH.contains(name));
    DANGEROUS
        .iter()
        .chain(connection_state)
        .map(|&name| vec![name])
        .chain(
            DANGEROUS_SUBCOMMANDS
                .iter()
                .map(|&(command, subcommand)| vec![command, subcommand]),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(command: &[&str]) -> CommandClass {
        classify(command)
    }

    #[test]
    fn names_match_in_any_case_and_odd_names_are_unknown_writes() {
        assert_eq!(
            class(&["fLuShAlL"]),
            CommandClass::Refused(RefusalReason::Dangerous)
        );
        assert_eq!(
            class(&["xread", "block", "0", "streams", "s", "$"]),
            CommandClass::Refused(RefusalReason::Blocking)
        );
        // Too long or not UTF-8: no command has such a name, so it is not refused here and
        // Redis answers it with "unknown command"; its key is still found.
        let long = "GET".repeat(20);
        assert_eq!(class(&[long.as_str(), "k"]), CommandClass::Write);
        assert_eq!(first_key(&[long.as_str(), "k"]), Some(&b"k"[..]));
        assert!(!is_shareable(&[long.as_str(), "k"]));
        assert_eq!(classify(&[&b"GET\xff"[..], b"k"]), CommandClass::Write);
        assert_eq!(classify(&[&b"\xffGET"[..]]), CommandClass::Write);
    }

    #[test]
    fn only_deterministic_reads_are_shareable() {
        assert!(is_shareable(&["zrevrange", "lb", "0", "9", "WITHSCORES"]));
        assert!(is_shareable(&["GET", "k"]));
        assert!(!is_shareable(&["SRANDMEMBER", "s"]));
        assert!(!is_shareable(&["ZRANDMEMBER", "lb"]));
        assert!(!is_shareable(&["EVALSHA_RO", "abc", "0"]));
        assert!(!is_shareable(&["TIME"]));
        assert!(!is_shareable(&["ZINCRBY", "lb", "1", "a"]));
        assert!(!is_shareable::<&str>(&[]));
        // Every shareable command is a read a read-only token may run.
        for name in SHAREABLE_READS {
            assert_eq!(classify(&[name]), CommandClass::Read, "{name}");
        }
    }

    #[test]
    fn sorted_set_reads_are_reads_and_writes_are_writes() {
        assert_eq!(
            class(&["zrevrange", "lb", "0", "9", "WITHSCORES"]),
            CommandClass::Read
        );
        assert_eq!(class(&["ZREVRANK", "lb", "alice"]), CommandClass::Read);
        assert_eq!(class(&["zadd", "lb", "1", "alice"]), CommandClass::Write);
        assert_eq!(class(&["ZINCRBY", "lb", "1", "alice"]), CommandClass::Write);
        assert_eq!(class(&["EVALSHA", "abc", "0"]), CommandClass::Write);
    }

    #[test]
    fn no_script_is_a_read() {
        for command in [
            &["EVAL", "return 1", "0"][..],
            &["EVAL_RO", "return redis.call('KEYS', '*')", "0"],
            &["evalsha_ro", "abc", "0"],
            &["FCALL_RO", "f", "0"],
            &["FCALL", "f", "0"],
        ] {
            assert_eq!(class(command), CommandClass::Write, "{command:?}");
            assert!(!is_read_only(command), "{command:?}");
        }
    }

    #[test]
    fn refuses_commands_that_would_break_a_shared_connection() {
        for (command, reason) in [
            (&["BLPOP", "q", "0"][..], RefusalReason::Blocking),
            (&["bzpopmin", "lb", "1"], RefusalReason::Blocking),
            (
                &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
                RefusalReason::Blocking,
            ),
            (&["SELECT", "1"], RefusalReason::ConnectionState),
            (&["multi"], RefusalReason::ConnectionState),
            (&["CLIENT", "SETNAME", "x"], RefusalReason::ConnectionState),
            (&["SUBSCRIBE", "chat"], RefusalReason::Streaming),
            (&["MONITOR"], RefusalReason::Streaming),
            (&["CLUSTER", "NODES"], RefusalReason::Cluster),
        ] {
            assert_eq!(class(command), CommandClass::Refused(reason), "{command:?}");
        }
    }

    #[test]
    fn non_blocking_xread_is_a_read() {
        assert_eq!(
            class(&["XREAD", "COUNT", "1", "STREAMS", "s", "0"]),
            CommandClass::Read
        );
        // A stream may be named BLOCK; only options before STREAMS count.
        assert_eq!(
            class(&["XREAD", "STREAMS", "BLOCK", "0"]),
            CommandClass::Read
        );
    }

    #[test]
    fn refuses_dangerous_commands_and_subcommands() {
        for command in [
            &["FLUSHALL"][..],
            &["flushdb"],
            &["CONFIG", "SET", "maxmemory", "1"],
            &["KEYS", "*"],
            &["SCRIPT", "FLUSH"],
            &["function", "delete", "lib"],
        ] {
            assert_eq!(
                class(command),
                CommandClass::Refused(RefusalReason::Dangerous),
                "{command:?}"
            );
        }
        assert_eq!(class(&["SCRIPT", "LOAD", "return 1"]), CommandClass::Write);
    }

    #[test]
    fn killing_a_runaway_script_is_a_write_on_its_own_connection() {
        for command in [&["SCRIPT", "KILL"][..], &["function", "kill"]] {
            assert_eq!(class(command), CommandClass::Write, "{command:?}");
            assert!(is_kill(command), "{command:?}");
        }
        assert!(!is_kill(&["SCRIPT", "FLUSH"]));
        assert!(!is_kill(&["SCRIPT"]));
        assert!(!is_kill(&["KILL", "SCRIPT"]));
    }

    #[test]
    fn the_acl_rules_deny_what_the_gateway_refuses_and_keep_what_it_sends() {
        let rules = acl_rules();
        assert!(rules.starts_with("on ~* &* +@all "), "{rules}");
        let denied: Vec<&str> = rules
            .split(' ')
            .filter_map(|rule| rule.strip_prefix('-'))
            .collect();
        // Every dangerous command and subcommand, refused as a command, is denied to scripts.
        for name in DANGEROUS {
            assert!(
                denied.contains(&name.to_ascii_lowercase().as_str()),
                "{name}"
            );
            assert_eq!(
                classify(&[name]),
                CommandClass::Refused(RefusalReason::Dangerous)
            );
        }
        for (command, subcommand) in DANGEROUS_SUBCOMMANDS {
            let rule = format!("{command}|{subcommand}").to_ascii_lowercase();
            assert!(denied.contains(&rule.as_str()), "{rule}");
        }
        assert!(denied.contains(&"select"));
        // What the gateway needs for itself, and the way to end a runaway script, stay.
        for kept in SENT_BY_THE_GATEWAY
            .iter()
            .chain(NO_AUTH)
            .map(|name| name.to_ascii_lowercase())
            .chain(["script|kill".into(), "function|kill".into(), "ping".into()])
        {
            assert!(!denied.contains(&kept.as_str()), "{kept}");
        }
        assert_eq!(denied.len(), acl_denied().len());
    }

    #[test]
    fn finds_the_first_key() {
        assert_eq!(first_key(&["ZADD", "lb", "1", "a"]), Some(&b"lb"[..]));
        assert_eq!(
            first_key(&["EVALSHA", "abc", "2", "k1", "k2", "arg"]),
            Some(&b"k1"[..])
        );
        assert_eq!(first_key(&["EVAL", "return 1", "0", "arg"]), None);
        assert_eq!(first_key(&["EVAL", "return 1", "x"]), None);
        assert_eq!(first_key(&["ping"]), None);
        assert_eq!(first_key(&["GET"]), None);
    }

    #[test]
    fn read_only_tokens_cannot_scan_the_keyspace() {
        assert!(!is_read_only(&["SCAN", "0"]));
        assert!(is_read_only(&["GET", "k"]));
        assert!(!is_read_only(&["SET", "k", "v"]));
        assert!(!is_read_only::<&str>(&[]));
    }
}
