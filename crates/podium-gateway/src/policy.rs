//! Which Redis commands an HTTP gateway may run, and which ones a read-only token may run.
//!
//! A REST request borrows a shared, multiplexed connection for one round trip, so any command
//! that changes the connection's state (SELECT, AUTH, MULTI, CLIENT, SCRIPT DEBUG …), waits on
//! the server (BLPOP …) or turns it into a stream (SUBSCRIBE, MONITOR) would break every other
//! request on that connection: those are always refused. Administrative commands that can wipe,
//! reconfigure or stall the whole server are refused unless the operator opts in for
//! development.
//!
//! Every command and subcommand that Redis 7.0, Valkey 8.1 and Valkey 9.1 report is decided in
//! one table, [`COMMANDS`] and [`SUBCOMMANDS`]; `tests/policy_completeness.rs` fails when a
//! server reports one the table lacks, so a new server version's commands are decided, never
//! defaulted. A name no server reports is forwarded for the full token, so that Redis answers
//! it with its own `unknown command` error (as on Upstash).

use std::sync::LazyLock;

/// The command table is fixed and looked up on every request: a fast hasher, and no seed is
/// needed since nothing is ever inserted after it is built.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;

/// What the gateway does with a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandClass {
    /// Reads data; allowed for the read-only token.
    Read,
    /// Needs the full token: it may write, or it reads what the read-only token is not given
    /// (keyspace scans, scripts, server information).
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
    /// Can wipe, reconfigure or stall the whole server, or shows other clients' commands;
    /// allowed only with an explicit opt-in.
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

    /// Every reason, in the order the documentation lists them.
    pub const ALL: [Self; 5] = [
        Self::ConnectionState,
        Self::Blocking,
        Self::Streaming,
        Self::Cluster,
        Self::Dangerous,
    ];
}

/// The oldest of the servers the table is tested against that reports a command: the ACL
/// rules may only name commands every one of them knows (an unknown name in `ACL SETUSER`
/// fails, and with it the server's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Since {
    /// Redis 7.0, Valkey 8.1 and Valkey 9.1 all report it.
    Redis7_0,
    /// Valkey 8.1 and 9.1 (most of these came with Redis 7.2, which Valkey forked).
    Valkey8_1,
    /// Valkey 9.1 only.
    Valkey9_1,
}

/// Where a command's first key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPosition {
    /// The command names no key (or only after an option, as XREAD's STREAMS).
    None,
    /// At this argument (the name is argument 0).
    At(usize),
    /// Right after the count of keys found at this argument (EVAL, ZUNION, LMPOP …).
    AfterNumkeys(usize),
}

/// What the table holds for one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A read whose reply depends only on the data it reads: no randomness (SRANDMEMBER …),
    /// no scripts (which may call TIME), no server or connection state. Identical ones in
    /// flight together may share one execution, since any order of concurrent requests is a
    /// valid one.
    SharedRead,
    /// Any other read the read-only token may run.
    Read,
    /// Needs the full token.
    Write,
    /// Ends the script or function running on the server (SCRIPT KILL, FUNCTION KILL): the
    /// full token's, sent on a connection of its own, since while a script runs the server
    /// answers nobody else and the shared connection waits behind it.
    Kill,
    Refused(RefusalReason),
}

/// Why a refused connection-state command stays allowed to the gateway's Redis user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AclKept {
    /// The gateway sends it itself on its own connection: for `/multi-exec`, and to follow a
    /// cluster's redirects.
    SentByTheGateway,
    /// The server lets every connection run it whatever its ACL user (flagged `no-auth`): no
    /// ACL rule can deny it, and none may run inside a script.
    NoAuth,
}

/// One command's row: its class, where its first key is, which servers know it, and for the
/// few that need it whether an ACL keeps it and whether an option makes it block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Rule {
    class: Class,
    key: KeyPosition,
    since: Since,
    acl_kept: Option<AclKept>,
    /// XREAD and XREADGROUP block only with a BLOCK option before STREAMS.
    blocks_with_block_option: bool,
}

impl Rule {
    const fn new(class: Class) -> Self {
        Self {
            class,
            key: KeyPosition::None,
            since: Since::Redis7_0,
            acl_kept: None,
            blocks_with_block_option: false,
        }
    }

    const fn key(self, at: usize) -> Self {
        Self {
            key: KeyPosition::At(at),
            ..self
        }
    }

    const fn numkeys_at(self, at: usize) -> Self {
        Self {
            key: KeyPosition::AfterNumkeys(at),
            ..self
        }
    }

    const fn since(self, since: Since) -> Self {
        Self { since, ..self }
    }

    const fn sent_by_the_gateway(self) -> Self {
        Self {
            acl_kept: Some(AclKept::SentByTheGateway),
            ..self
        }
    }

    const fn no_auth(self) -> Self {
        Self {
            acl_kept: Some(AclKept::NoAuth),
            ..self
        }
    }

    const fn blocking_with_block_option(self) -> Self {
        Self {
            blocks_with_block_option: true,
            ..self
        }
    }

    fn public_class(self) -> CommandClass {
        match self.class {
            Class::SharedRead | Class::Read => CommandClass::Read,
            Class::Write | Class::Kill => CommandClass::Write,
            Class::Refused(reason) => CommandClass::Refused(reason),
        }
    }

    /// Whether the ACL rules deny it: what is refused as dangerous or as connection state,
    /// except what the gateway needs and what no ACL can deny. (Blocking and streaming
    /// commands cannot run in a script anyway, and a cluster client needs CLUSTER SLOTS.)
    fn acl_denied(self) -> bool {
        matches!(
            self.class,
            Class::Refused(RefusalReason::Dangerous | RefusalReason::ConnectionState)
        ) && self.acl_kept.is_none()
    }
}

const SHARED_READ: Rule = Rule::new(Class::SharedRead);
const READ: Rule = Rule::new(Class::Read);
const WRITE: Rule = Rule::new(Class::Write);
const KILL: Rule = Rule::new(Class::Kill);
const BLOCKING: Rule = Rule::new(Class::Refused(RefusalReason::Blocking));
const CONNECTION_STATE: Rule = Rule::new(Class::Refused(RefusalReason::ConnectionState));
const STREAMING: Rule = Rule::new(Class::Refused(RefusalReason::Streaming));
const CLUSTER: Rule = Rule::new(Class::Refused(RefusalReason::Cluster));
const DANGEROUS: Rule = Rule::new(Class::Refused(RefusalReason::Dangerous));

/// Every command the servers report, in alphabetical order. A command with subcommands
/// (CLIENT, SCRIPT …) has its rows in [`SUBCOMMANDS`]; its row here is for the container
/// alone and for a subcommand no server reports (Redis answers `unknown subcommand`).
///
/// Read is what a read-only token may run: the commands the servers flag `readonly`, without
/// keyspace scans (KEYS, SCAN, CLUSTERSCAN), SORT_RO (whose GET patterns read any key), LOLWUT
/// and scripts, plus PING, ECHO and TIME. No script is a read, not even EVAL_RO, EVALSHA_RO or
/// FCALL_RO: a read-only script can still call KEYS and SCAN or loop forever and stall the
/// server for every client, and only the server could hold it to less. A read-only token is
/// the one shipped to browsers. (On Upstash too, `+@read -@dangerous` leaves them out: they
/// are `@scripting`, not `@read`.)
///
/// Dangerous is what the servers flag `admin` (CONFIG, DEBUG, SLOWLOG, LATENCY, MODULE …)
/// and what wipes or scans the whole keyspace (FLUSHALL, FLUSHDB, SWAPDB, KEYS, MIGRATE).
const COMMANDS: &[(&str, Rule)] = &[
    ("ACL", DANGEROUS),
    ("APPEND", WRITE.key(1)),
    ("ASKING", CONNECTION_STATE.sent_by_the_gateway()),
    ("AUTH", CONNECTION_STATE.no_auth()),
    ("BGREWRITEAOF", DANGEROUS),
    ("BGSAVE", DANGEROUS),
    ("BITCOUNT", SHARED_READ.key(1)),
    ("BITFIELD", WRITE.key(1)),
    ("BITFIELD_RO", READ.key(1)),
    ("BITOP", WRITE.key(2)),
    ("BITPOS", SHARED_READ.key(1)),
    ("BLMOVE", BLOCKING.key(1)),
    ("BLMPOP", BLOCKING.numkeys_at(2)),
    ("BLPOP", BLOCKING.key(1)),
    ("BRPOP", BLOCKING.key(1)),
    ("BRPOPLPUSH", BLOCKING.key(1)),
    ("BZMPOP", BLOCKING.numkeys_at(2)),
    ("BZPOPMAX", BLOCKING.key(1)),
    ("BZPOPMIN", BLOCKING.key(1)),
    ("CLIENT", CONNECTION_STATE),
    ("CLUSTER", CLUSTER),
    ("CLUSTERSCAN", WRITE.key(1).since(Since::Valkey9_1)),
    ("COMMAND", WRITE),
    ("COMMANDLOG", DANGEROUS.since(Since::Valkey8_1)),
    ("CONFIG", DANGEROUS),
    ("COPY", WRITE.key(1)),
    ("DBSIZE", READ),
    ("DEBUG", DANGEROUS),
    ("DECR", WRITE.key(1)),
    ("DECRBY", WRITE.key(1)),
    ("DEL", WRITE.key(1)),
    ("DELIFEQ", WRITE.key(1).since(Since::Valkey9_1)),
    ("DISCARD", CONNECTION_STATE),
    ("DUMP", READ.key(1)),
    ("ECHO", READ),
    ("EVAL", WRITE.numkeys_at(2)),
    ("EVALSHA", WRITE.numkeys_at(2)),
    ("EVALSHA_RO", WRITE.numkeys_at(2)),
    ("EVAL_RO", WRITE.numkeys_at(2)),
    ("EXEC", CONNECTION_STATE.sent_by_the_gateway()),
    ("EXISTS", SHARED_READ.key(1)),
    ("EXPIRE", WRITE.key(1)),
    ("EXPIREAT", WRITE.key(1)),
    ("EXPIRETIME", SHARED_READ.key(1)),
    ("FAILOVER", DANGEROUS),
    ("FCALL", WRITE.numkeys_at(2)),
    ("FCALL_RO", WRITE.numkeys_at(2)),
    ("FLUSHALL", DANGEROUS),
    ("FLUSHDB", DANGEROUS),
    ("FUNCTION", WRITE),
    ("GEOADD", WRITE.key(1)),
    ("GEODIST", READ.key(1)),
    ("GEOHASH", READ.key(1)),
    ("GEOPOS", READ.key(1)),
    ("GEORADIUS", WRITE.key(1)),
    ("GEORADIUSBYMEMBER", WRITE.key(1)),
    ("GEORADIUSBYMEMBER_RO", READ.key(1)),
    ("GEORADIUS_RO", READ.key(1)),
    ("GEOSEARCH", READ.key(1)),
    ("GEOSEARCHSTORE", WRITE.key(1)),
    ("GET", SHARED_READ.key(1)),
    ("GETBIT", SHARED_READ.key(1)),
    ("GETDEL", WRITE.key(1)),
    ("GETEX", WRITE.key(1)),
    ("GETRANGE", SHARED_READ.key(1)),
    ("GETSET", WRITE.key(1)),
    ("HDEL", WRITE.key(1)),
    ("HELLO", CONNECTION_STATE.no_auth()),
    ("HEXISTS", SHARED_READ.key(1)),
    ("HEXPIRE", WRITE.key(1).since(Since::Valkey9_1)),
    ("HEXPIREAT", WRITE.key(1).since(Since::Valkey9_1)),
    ("HEXPIRETIME", READ.key(1).since(Since::Valkey9_1)),
    ("HGET", SHARED_READ.key(1)),
    ("HGETALL", SHARED_READ.key(1)),
    ("HGETDEL", WRITE.key(1).since(Since::Valkey9_1)),
    ("HGETEX", WRITE.key(1).since(Since::Valkey9_1)),
    ("HINCRBY", WRITE.key(1)),
    ("HINCRBYFLOAT", WRITE.key(1)),
    ("HKEYS", SHARED_READ.key(1)),
    ("HLEN", SHARED_READ.key(1)),
    ("HMGET", SHARED_READ.key(1)),
    ("HMSET", WRITE.key(1)),
    ("HPERSIST", WRITE.key(1).since(Since::Valkey9_1)),
    ("HPEXPIRE", WRITE.key(1).since(Since::Valkey9_1)),
    ("HPEXPIREAT", WRITE.key(1).since(Since::Valkey9_1)),
    ("HPEXPIRETIME", READ.key(1).since(Since::Valkey9_1)),
    ("HPTTL", READ.key(1).since(Since::Valkey9_1)),
    ("HRANDFIELD", READ.key(1)),
    ("HSCAN", READ.key(1)),
    ("HSET", WRITE.key(1)),
    ("HSETEX", WRITE.key(1).since(Since::Valkey9_1)),
    ("HSETNX", WRITE.key(1)),
    ("HSTRLEN", SHARED_READ.key(1)),
    ("HTTL", READ.key(1).since(Since::Valkey9_1)),
    ("HVALS", SHARED_READ.key(1)),
    ("INCR", WRITE.key(1)),
    ("INCRBY", WRITE.key(1)),
    ("INCRBYFLOAT", WRITE.key(1)),
    ("INFO", WRITE),
    ("KEYS", DANGEROUS),
    ("LASTSAVE", WRITE),
    ("LATENCY", DANGEROUS),
    ("LCS", READ.key(1)),
    ("LINDEX", SHARED_READ.key(1)),
    ("LINSERT", WRITE.key(1)),
    ("LLEN", SHARED_READ.key(1)),
    ("LMOVE", WRITE.key(1)),
    ("LMPOP", WRITE.numkeys_at(1)),
    ("LOLWUT", WRITE),
    ("LPOP", WRITE.key(1)),
    ("LPOS", SHARED_READ.key(1)),
    ("LPUSH", WRITE.key(1)),
    ("LPUSHX", WRITE.key(1)),
    ("LRANGE", SHARED_READ.key(1)),
    ("LREM", WRITE.key(1)),
    ("LSET", WRITE.key(1)),
    ("LTRIM", WRITE.key(1)),
    ("MEMORY", WRITE),
    ("MGET", SHARED_READ.key(1)),
    ("MIGRATE", DANGEROUS.key(3)),
    ("MODULE", DANGEROUS),
    ("MONITOR", STREAMING),
    ("MOVE", WRITE.key(1)),
    ("MSET", WRITE.key(1)),
    ("MSETEX", WRITE.numkeys_at(1).since(Since::Valkey9_1)),
    ("MSETNX", WRITE.key(1)),
    ("MULTI", CONNECTION_STATE.sent_by_the_gateway()),
    ("OBJECT", WRITE),
    ("PERSIST", WRITE.key(1)),
    ("PEXPIRE", WRITE.key(1)),
    ("PEXPIREAT", WRITE.key(1)),
    ("PEXPIRETIME", SHARED_READ.key(1)),
    ("PFADD", WRITE.key(1)),
    ("PFCOUNT", READ.key(1)),
    ("PFDEBUG", DANGEROUS.key(2)),
    ("PFMERGE", WRITE.key(1)),
    ("PFSELFTEST", DANGEROUS),
    ("PING", READ),
    ("PSETEX", WRITE.key(1)),
    ("PSUBSCRIBE", STREAMING),
    ("PSYNC", STREAMING),
    ("PTTL", SHARED_READ.key(1)),
    ("PUBLISH", WRITE),
    ("PUBSUB", WRITE),
    ("PUNSUBSCRIBE", STREAMING),
    ("QUIT", CONNECTION_STATE.no_auth()),
    ("RANDOMKEY", READ),
    ("READONLY", CONNECTION_STATE.sent_by_the_gateway()),
    ("READWRITE", CONNECTION_STATE),
    ("RENAME", WRITE.key(1)),
    ("RENAMENX", WRITE.key(1)),
    ("REPLCONF", STREAMING),
    ("REPLICAOF", DANGEROUS),
    ("RESET", CONNECTION_STATE.no_auth()),
    ("RESTORE", WRITE.key(1)),
    ("RESTORE-ASKING", CLUSTER.key(1)),
    ("ROLE", WRITE),
    ("RPOP", WRITE.key(1)),
    ("RPOPLPUSH", WRITE.key(1)),
    ("RPUSH", WRITE.key(1)),
    ("RPUSHX", WRITE.key(1)),
    ("SADD", WRITE.key(1)),
    ("SAVE", DANGEROUS),
    ("SCAN", WRITE),
    ("SCARD", SHARED_READ.key(1)),
    ("SCRIPT", WRITE),
    ("SDIFF", READ.key(1)),
    ("SDIFFSTORE", WRITE.key(1)),
    ("SELECT", CONNECTION_STATE),
    ("SET", WRITE.key(1)),
    ("SETBIT", WRITE.key(1)),
    ("SETEX", WRITE.key(1)),
    ("SETNX", WRITE.key(1)),
    ("SETRANGE", WRITE.key(1)),
    ("SHUTDOWN", DANGEROUS),
    ("SINTER", READ.key(1)),
    ("SINTERCARD", READ.numkeys_at(1)),
    ("SINTERSTORE", WRITE.key(1)),
    ("SISMEMBER", SHARED_READ.key(1)),
    ("SLAVEOF", DANGEROUS),
    ("SLOWLOG", DANGEROUS),
    ("SMEMBERS", SHARED_READ.key(1)),
    ("SMISMEMBER", SHARED_READ.key(1)),
    ("SMOVE", WRITE.key(1)),
    ("SORT", WRITE.key(1)),
    ("SORT_RO", WRITE.key(1)),
    ("SPOP", WRITE.key(1)),
    ("SPUBLISH", WRITE.key(1)),
    ("SRANDMEMBER", READ.key(1)),
    ("SREM", WRITE.key(1)),
    ("SSCAN", READ.key(1)),
    ("SSUBSCRIBE", STREAMING.key(1)),
    ("STRLEN", SHARED_READ.key(1)),
    ("SUBSCRIBE", STREAMING),
    ("SUBSTR", READ.key(1)),
    ("SUNION", READ.key(1)),
    ("SUNIONSTORE", WRITE.key(1)),
    ("SUNSUBSCRIBE", STREAMING.key(1)),
    ("SWAPDB", DANGEROUS),
    ("SYNC", STREAMING),
    ("TIME", READ),
    ("TOUCH", READ.key(1)),
    ("TTL", SHARED_READ.key(1)),
    ("TYPE", SHARED_READ.key(1)),
    ("UNLINK", WRITE.key(1)),
    ("UNSUBSCRIBE", STREAMING),
    ("UNWATCH", CONNECTION_STATE),
    ("WAIT", BLOCKING),
    ("WAITAOF", BLOCKING.since(Since::Valkey8_1)),
    ("WATCH", CONNECTION_STATE.key(1)),
    ("XACK", WRITE.key(1)),
    ("XADD", WRITE.key(1)),
    ("XAUTOCLAIM", WRITE.key(1)),
    ("XCLAIM", WRITE.key(1)),
    ("XDEL", WRITE.key(1)),
    ("XGROUP", WRITE),
    ("XINFO", WRITE),
    ("XLEN", READ.key(1)),
    ("XPENDING", READ.key(1)),
    ("XRANGE", READ.key(1)),
    ("XREAD", READ.blocking_with_block_option()),
    ("XREADGROUP", WRITE.blocking_with_block_option()),
    ("XREVRANGE", READ.key(1)),
    ("XSETID", WRITE.key(1)),
    ("XTRIM", WRITE.key(1)),
    ("ZADD", WRITE.key(1)),
    ("ZCARD", SHARED_READ.key(1)),
    ("ZCOUNT", SHARED_READ.key(1)),
    ("ZDIFF", READ.numkeys_at(1)),
    ("ZDIFFSTORE", WRITE.key(1)),
    ("ZINCRBY", WRITE.key(1)),
    ("ZINTER", READ.numkeys_at(1)),
    ("ZINTERCARD", READ.numkeys_at(1)),
    ("ZINTERSTORE", WRITE.key(1)),
    ("ZLEXCOUNT", SHARED_READ.key(1)),
    ("ZMPOP", WRITE.numkeys_at(1)),
    ("ZMSCORE", SHARED_READ.key(1)),
    ("ZPOPMAX", WRITE.key(1)),
    ("ZPOPMIN", WRITE.key(1)),
    ("ZRANDMEMBER", READ.key(1)),
    ("ZRANGE", SHARED_READ.key(1)),
    ("ZRANGEBYLEX", SHARED_READ.key(1)),
    ("ZRANGEBYSCORE", SHARED_READ.key(1)),
    ("ZRANGESTORE", WRITE.key(1)),
    ("ZRANK", SHARED_READ.key(1)),
    ("ZREM", WRITE.key(1)),
    ("ZREMRANGEBYLEX", WRITE.key(1)),
    ("ZREMRANGEBYRANK", WRITE.key(1)),
    ("ZREMRANGEBYSCORE", WRITE.key(1)),
    ("ZREVRANGE", SHARED_READ.key(1)),
    ("ZREVRANGEBYLEX", SHARED_READ.key(1)),
    ("ZREVRANGEBYSCORE", SHARED_READ.key(1)),
    ("ZREVRANK", SHARED_READ.key(1)),
    ("ZSCAN", READ.key(1)),
    ("ZSCORE", SHARED_READ.key(1)),
    ("ZUNION", READ.numkeys_at(1)),
    ("ZUNIONSTORE", WRITE.key(1)),
];

/// Every subcommand the servers report, by container and then subcommand, alphabetically.
/// CLIENT is connection state through and through, CLUSTER is cluster management; of SCRIPT,
/// DEBUG would put the shared connection in the script debugger (every EVALSHA on it then
/// fails, and SCRIPT DEBUG SYNC blocks it), FLUSH wipes every script, and KILL ends a runaway
/// one (the one way to recover without restarting the server, so the full token's to send).
const SUBCOMMANDS: &[(&str, &str, Rule)] = &[
    ("ACL", "CAT", DANGEROUS),
    ("ACL", "DELUSER", DANGEROUS),
    ("ACL", "DRYRUN", DANGEROUS),
    ("ACL", "GENPASS", DANGEROUS),
    ("ACL", "GETUSER", DANGEROUS),
    ("ACL", "HELP", DANGEROUS),
    ("ACL", "LIST", DANGEROUS),
    ("ACL", "LOAD", DANGEROUS),
    ("ACL", "LOG", DANGEROUS),
    ("ACL", "SAVE", DANGEROUS),
    ("ACL", "SETUSER", DANGEROUS),
    ("ACL", "USERS", DANGEROUS),
    ("ACL", "WHOAMI", DANGEROUS),
    ("CLIENT", "CACHING", CONNECTION_STATE),
    ("CLIENT", "CAPA", CONNECTION_STATE.since(Since::Valkey8_1)),
    ("CLIENT", "GETNAME", CONNECTION_STATE),
    ("CLIENT", "GETREDIR", CONNECTION_STATE),
    ("CLIENT", "HELP", CONNECTION_STATE),
    ("CLIENT", "ID", CONNECTION_STATE),
    (
        "CLIENT",
        "IMPORT-SOURCE",
        CONNECTION_STATE.since(Since::Valkey8_1),
    ),
    ("CLIENT", "INFO", CONNECTION_STATE),
    ("CLIENT", "KILL", CONNECTION_STATE),
    ("CLIENT", "LIST", CONNECTION_STATE),
    ("CLIENT", "NO-EVICT", CONNECTION_STATE),
    (
        "CLIENT",
        "NO-TOUCH",
        CONNECTION_STATE.since(Since::Valkey8_1),
    ),
    ("CLIENT", "PAUSE", CONNECTION_STATE),
    ("CLIENT", "REPLY", CONNECTION_STATE),
    (
        "CLIENT",
        "SETINFO",
        CONNECTION_STATE.since(Since::Valkey8_1),
    ),
    ("CLIENT", "SETNAME", CONNECTION_STATE),
    ("CLIENT", "TRACKING", CONNECTION_STATE),
    ("CLIENT", "TRACKINGINFO", CONNECTION_STATE),
    ("CLIENT", "UNBLOCK", CONNECTION_STATE),
    ("CLIENT", "UNPAUSE", CONNECTION_STATE),
    ("CLUSTER", "ADDSLOTS", CLUSTER),
    ("CLUSTER", "ADDSLOTSRANGE", CLUSTER),
    ("CLUSTER", "BUMPEPOCH", CLUSTER),
    (
        "CLUSTER",
        "CANCELSLOTMIGRATIONS",
        CLUSTER.since(Since::Valkey9_1),
    ),
    ("CLUSTER", "COUNT-FAILURE-REPORTS", CLUSTER),
    ("CLUSTER", "COUNTKEYSINSLOT", CLUSTER),
    ("CLUSTER", "DELSLOTS", CLUSTER),
    ("CLUSTER", "DELSLOTSRANGE", CLUSTER),
    ("CLUSTER", "FAILOVER", CLUSTER),
    ("CLUSTER", "FLUSHSLOT", CLUSTER.since(Since::Valkey9_1)),
    ("CLUSTER", "FLUSHSLOTS", CLUSTER),
    ("CLUSTER", "FORGET", CLUSTER),
    ("CLUSTER", "GETKEYSINSLOT", CLUSTER),
    (
        "CLUSTER",
        "GETSLOTMIGRATIONS",
        CLUSTER.since(Since::Valkey9_1),
    ),
    ("CLUSTER", "HELP", CLUSTER),
    ("CLUSTER", "INFO", CLUSTER),
    ("CLUSTER", "KEYSLOT", CLUSTER),
    ("CLUSTER", "LINKS", CLUSTER),
    ("CLUSTER", "MEET", CLUSTER),
    ("CLUSTER", "MIGRATESLOTS", CLUSTER.since(Since::Valkey9_1)),
    ("CLUSTER", "MYID", CLUSTER),
    ("CLUSTER", "MYSHARDID", CLUSTER.since(Since::Valkey8_1)),
    ("CLUSTER", "NODES", CLUSTER),
    ("CLUSTER", "REPLICAS", CLUSTER),
    ("CLUSTER", "REPLICATE", CLUSTER),
    ("CLUSTER", "RESET", CLUSTER),
    ("CLUSTER", "SAVECONFIG", CLUSTER),
    ("CLUSTER", "SET-CONFIG-EPOCH", CLUSTER),
    ("CLUSTER", "SETSLOT", CLUSTER),
    ("CLUSTER", "SHARDS", CLUSTER),
    ("CLUSTER", "SLAVES", CLUSTER),
    ("CLUSTER", "SLOT-STATS", CLUSTER.since(Since::Valkey8_1)),
    ("CLUSTER", "SLOTS", CLUSTER),
    ("CLUSTER", "SYNCSLOTS", CLUSTER.since(Since::Valkey9_1)),
    ("COMMAND", "COUNT", WRITE),
    ("COMMAND", "DOCS", WRITE),
    ("COMMAND", "GETKEYS", WRITE),
    ("COMMAND", "GETKEYSANDFLAGS", WRITE),
    ("COMMAND", "HELP", WRITE),
    ("COMMAND", "INFO", WRITE),
    ("COMMAND", "LIST", WRITE),
    ("COMMANDLOG", "GET", DANGEROUS.since(Since::Valkey8_1)),
    ("COMMANDLOG", "HELP", DANGEROUS.since(Since::Valkey8_1)),
    ("COMMANDLOG", "LEN", DANGEROUS.since(Since::Valkey8_1)),
    ("COMMANDLOG", "RESET", DANGEROUS.since(Since::Valkey8_1)),
    ("CONFIG", "GET", DANGEROUS),
    ("CONFIG", "HELP", DANGEROUS),
    ("CONFIG", "RESETSTAT", DANGEROUS),
    ("CONFIG", "REWRITE", DANGEROUS),
    ("CONFIG", "SET", DANGEROUS),
    ("FUNCTION", "DELETE", DANGEROUS),
    ("FUNCTION", "DUMP", WRITE),
    ("FUNCTION", "FLUSH", DANGEROUS),
    ("FUNCTION", "HELP", WRITE),
    ("FUNCTION", "KILL", KILL),
    ("FUNCTION", "LIST", WRITE),
    ("FUNCTION", "LOAD", WRITE),
    ("FUNCTION", "RESTORE", DANGEROUS),
    ("FUNCTION", "STATS", WRITE),
    ("LATENCY", "DOCTOR", DANGEROUS),
    ("LATENCY", "GRAPH", DANGEROUS),
    ("LATENCY", "HELP", DANGEROUS),
    ("LATENCY", "HISTOGRAM", DANGEROUS),
    ("LATENCY", "HISTORY", DANGEROUS),
    ("LATENCY", "LATEST", DANGEROUS),
    ("LATENCY", "RESET", DANGEROUS),
    ("MEMORY", "DOCTOR", WRITE),
    ("MEMORY", "HELP", WRITE),
    ("MEMORY", "MALLOC-STATS", WRITE),
    ("MEMORY", "PURGE", WRITE),
    ("MEMORY", "STATS", WRITE),
    ("MEMORY", "USAGE", READ.key(2)),
    ("MODULE", "HELP", DANGEROUS),
    ("MODULE", "LIST", DANGEROUS),
    ("MODULE", "LOAD", DANGEROUS),
    ("MODULE", "LOADEX", DANGEROUS),
    ("MODULE", "UNLOAD", DANGEROUS),
    ("OBJECT", "ENCODING", READ.key(2)),
    ("OBJECT", "FREQ", READ.key(2)),
    ("OBJECT", "HELP", WRITE),
    ("OBJECT", "IDLETIME", READ.key(2)),
    ("OBJECT", "REFCOUNT", READ.key(2)),
    ("PUBSUB", "CHANNELS", WRITE),
    ("PUBSUB", "HELP", WRITE),
    ("PUBSUB", "NUMPAT", WRITE),
    ("PUBSUB", "NUMSUB", WRITE),
    ("PUBSUB", "SHARDCHANNELS", WRITE),
    ("PUBSUB", "SHARDNUMSUB", WRITE),
    ("SCRIPT", "DEBUG", CONNECTION_STATE),
    ("SCRIPT", "EXISTS", WRITE),
    ("SCRIPT", "FLUSH", DANGEROUS),
    ("SCRIPT", "HELP", WRITE),
    ("SCRIPT", "KILL", KILL),
    ("SCRIPT", "LOAD", WRITE),
    ("SCRIPT", "SHOW", WRITE.since(Since::Valkey8_1)),
    ("SLOWLOG", "GET", DANGEROUS),
    ("SLOWLOG", "HELP", DANGEROUS),
    ("SLOWLOG", "LEN", DANGEROUS),
    ("SLOWLOG", "RESET", DANGEROUS),
    ("XGROUP", "CREATE", WRITE.key(2)),
    ("XGROUP", "CREATECONSUMER", WRITE.key(2)),
    ("XGROUP", "DELCONSUMER", WRITE.key(2)),
    ("XGROUP", "DESTROY", WRITE.key(2)),
    ("XGROUP", "HELP", WRITE),
    ("XGROUP", "SETID", WRITE.key(2)),
    ("XINFO", "CONSUMERS", READ.key(2)),
    ("XINFO", "GROUPS", READ.key(2)),
    ("XINFO", "HELP", WRITE),
    ("XINFO", "STREAM", READ.key(2)),
];

/// Longer than any command or subcommand name.
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

/// A command's row and, for a container, its subcommands' rows.
struct Entry {
    rule: Rule,
    subcommands: HashMap<&'static [u8], Rule>,
}

/// The table by name, built once: it is consulted on every request.
static TABLE: LazyLock<HashMap<&'static [u8], Entry>> = LazyLock::new(|| {
    let mut table: HashMap<&'static [u8], Entry> = COMMANDS
        .iter()
        .map(|&(name, rule)| {
            let entry = Entry {
                rule,
                subcommands: HashMap::default(),
            };
            (name.as_bytes(), entry)
        })
        .collect();
    for &(command, subcommand, rule) in SUBCOMMANDS {
        if let Some(entry) = table.get_mut(command.as_bytes()) {
            entry.subcommands.insert(subcommand.as_bytes(), rule);
        }
    }
    table
});

/// The row that decides `command`: its subcommand's when it has one the table knows, else
/// its own; `None` for a name no server reports.
fn rule<A: AsRef<[u8]>>(command: &[A]) -> Option<Rule> {
    let entry = TABLE.get(upper(command.first()?.as_ref()).as_bytes())?;
    if entry.subcommands.is_empty() {
        return Some(entry.rule);
    }
    let subcommand = command.get(1).map(|sub| upper(sub.as_ref()));
    Some(
        subcommand
            .and_then(|sub| entry.subcommands.get(sub.as_bytes()).copied())
            .unwrap_or(entry.rule),
    )
}

/// Classifies a command given as its arguments (name first), case-insensitively.
pub fn classify<A: AsRef<[u8]>>(command: &[A]) -> CommandClass {
    if command.is_empty() {
        return CommandClass::Refused(RefusalReason::ConnectionState);
    }
    match rule(command) {
        Some(rule) if rule.blocks_with_block_option && is_blocking_stream_read(command) => {
            CommandClass::Refused(RefusalReason::Blocking)
        }
        Some(rule) => rule.public_class(),
        // No server reports it: Redis answers "unknown command", for the full token only.
        None => CommandClass::Write,
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

/// The first key of a command, where the table says it is: where the servers' `COMMAND INFO`
/// puts it, or after `numkeys` for scripts, functions and ZUNION-like commands; right after
/// the name for a name no server reports. `None` for keyless commands.
///
/// Used to route pipelines on a cluster and to bound key sizes; commands with several keys
/// (MSET, ZUNIONSTORE …) are judged by their first.
pub fn first_key<A: AsRef<[u8]>>(command: &[A]) -> Option<&[u8]> {
    let position = rule(command).map_or(KeyPosition::At(1), |rule| rule.key);
    let key = match position {
        KeyPosition::None => return None,
        KeyPosition::At(at) => command.get(at)?,
        KeyPosition::AfterNumkeys(at) => {
            let numkeys: usize = std::str::from_utf8(command.get(at)?.as_ref())
                .ok()?
                .parse()
                .ok()?;
            if numkeys == 0 {
                return None;
            }
            command.get(at + 1)?
        }
    };
    Some(key.as_ref())
}

/// True when identical concurrent requests for this command may share one execution.
pub fn is_shareable<A: AsRef<[u8]>>(command: &[A]) -> bool {
    rule(command).is_some_and(|rule| rule.class == Class::SharedRead)
}

/// True when a read-only token may run this command.
pub fn is_read_only<A: AsRef<[u8]>>(command: &[A]) -> bool {
    classify(command) == CommandClass::Read
}

/// True for SCRIPT KILL and FUNCTION KILL, which must reach the server on a connection of
/// their own (see [`Class::Kill`]).
pub fn is_kill<A: AsRef<[u8]>>(command: &[A]) -> bool {
    command.len() >= 2 && rule(command).is_some_and(|rule| rule.class == Class::Kill)
}

/// The ACL rules for the Redis user the gateway connects as, so that what the gateway refuses
/// as a command is refused inside scripts too (a script runs with its caller's ACL rights):
/// every key and channel and every command except those of [`acl_denied`].
///
/// Derived from the same table as [`classify`], so the two cannot drift apart; the gateway
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
/// `["SCRIPT", "FLUSH"]`): the dangerous and connection-state rows of the table except those
/// the gateway sends itself and those no ACL can deny (SELECT is legal in a script, so it is
/// denied). A container denied with all its subcommands is denied whole (`-client`). Only
/// commands every tested server knows are named, since an unknown name fails `ACL SETUSER`.
pub fn acl_denied() -> Vec<Vec<&'static str>> {
    let everywhere = |rule: &Rule| rule.since == Since::Redis7_0;
    let mut denied = Vec::new();
    for &(name, rule) in COMMANDS.iter().filter(|(_, rule)| everywhere(rule)) {
        let subcommands: Vec<(&'static str, Rule)> = SUBCOMMANDS
            .iter()
            .filter(|&&(command, _, rule)| command == name && everywhere(&rule))
            .map(|&(_, subcommand, rule)| (subcommand, rule))
            .collect();
        if rule.acl_denied() && subcommands.iter().all(|(_, rule)| rule.acl_denied()) {
            denied.push(vec![name]);
        } else {
            denied.extend(
                subcommands
                    .iter()
                    .filter(|(_, rule)| rule.acl_denied())
                    .map(|&(subcommand, _)| vec![name, subcommand]),
            );
        }
    }
    denied
}

/// One row of the command table, for tests and documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableRow {
    pub command: &'static str,
    /// `None` for a command's own row (for a container: the container alone, and subcommands
    /// no server reports).
    pub subcommand: Option<&'static str>,
    pub class: CommandClass,
    /// Whether identical concurrent requests may share one execution.
    pub shareable: bool,
    pub first_key: KeyPosition,
    pub since: Since,
    /// Flagged `no-auth` by the servers: every connection may run it, whatever its user.
    pub no_auth: bool,
    /// Refused as blocking when it has a BLOCK option (XREAD, XREADGROUP).
    pub blocking_with_block_option: bool,
}

/// Every row of the command table: each command, then its subcommands.
pub fn command_table() -> impl Iterator<Item = TableRow> {
    COMMANDS.iter().flat_map(|&(command, rule)| {
        let own = std::iter::once((None, rule));
        let subcommands = SUBCOMMANDS
            .iter()
            .filter(move |&&(container, _, _)| container == command)
            .map(|&(_, subcommand, rule)| (Some(subcommand), rule));
        own.chain(subcommands)
            .map(move |(subcommand, rule)| TableRow {
                command,
                subcommand,
                class: rule.public_class(),
                shareable: rule.class == Class::SharedRead,
                first_key: rule.key,
                since: rule.since,
                no_auth: rule.acl_kept == Some(AclKept::NoAuth),
                blocking_with_block_option: rule.blocks_with_block_option,
            })
    })
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
        for row in command_table().filter(|row| row.shareable) {
            assert_eq!(row.class, CommandClass::Read, "{row:?}");
            assert!(is_shareable(&[row.command]), "{row:?}");
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
        // Every dangerous command and subcommand every server knows, refused as a command, is
        // denied to scripts: by its own name, or with its whole container.
        let is_denied = |row: &TableRow| {
            let command = row.command.to_ascii_lowercase();
            denied.contains(&command.as_str())
                || row.subcommand.is_some_and(|subcommand| {
                    let rule = format!("{command}|{}", subcommand.to_ascii_lowercase());
                    denied.contains(&rule.as_str())
                })
        };
        for row in command_table().filter(|row| row.since == Since::Redis7_0) {
            if row.class == CommandClass::Refused(RefusalReason::Dangerous) {
                assert!(is_denied(&row), "{row:?}");
            }
        }
        for rule in [
            "flushdb",
            "keys",
            "config",
            "debug",
            "slowlog",
            "select",
            "client",
            "script|flush",
            "script|debug",
            "function|delete",
        ] {
            assert!(denied.contains(&rule), "{rule}");
        }
        // What the gateway needs for itself, what no ACL can deny, and the way to end a
        // runaway script, stay; so do commands some tested server does not know.
        for kept in [
            "multi",
            "exec",
            "readonly",
            "asking",
            "auth",
            "hello",
            "reset",
            "quit",
            "script|kill",
            "function|kill",
            "ping",
            "cluster",
            "commandlog",
            "script",
            "function",
        ] {
            assert!(!denied.contains(&kept), "{kept}");
        }
        assert_eq!(denied.len(), acl_denied().len());
    }

    #[test]
    fn script_debug_is_refused_in_every_mode() {
        for mode in ["YES", "sync", "No", ""] {
            assert_eq!(
                class(&["script", "DEBUG", mode]),
                CommandClass::Refused(RefusalReason::ConnectionState),
                "{mode}"
            );
        }
        assert_eq!(
            class(&["SCRIPT", "DEBUG"]),
            CommandClass::Refused(RefusalReason::ConnectionState)
        );
    }

    #[test]
    fn containers_are_decided_by_their_subcommand() {
        for (command, want) in [
            (
                &["CLIENT", "REPLY", "OFF"][..],
                CommandClass::Refused(RefusalReason::ConnectionState),
            ),
            (
                &["client", "no-evict", "on"],
                CommandClass::Refused(RefusalReason::ConnectionState),
            ),
            // A subcommand no server reports gets its container's row.
            (
                &["CLIENT", "FROBNICATE"],
                CommandClass::Refused(RefusalReason::ConnectionState),
            ),
            (
                &["CLIENT"],
                CommandClass::Refused(RefusalReason::ConnectionState),
            ),
            (
                &["CONFIG", "GET", "maxmemory"],
                CommandClass::Refused(RefusalReason::Dangerous),
            ),
            (
                &["SLOWLOG", "RESET"],
                CommandClass::Refused(RefusalReason::Dangerous),
            ),
            (
                &["CLUSTER", "SHARDS"],
                CommandClass::Refused(RefusalReason::Cluster),
            ),
            (&["OBJECT", "ENCODING", "k"], CommandClass::Read),
            (&["memory", "usage", "k"], CommandClass::Read),
            (&["MEMORY", "PURGE"], CommandClass::Write),
            (&["XINFO", "STREAM", "s"], CommandClass::Read),
            (&["XGROUP", "CREATE", "s", "g", "$"], CommandClass::Write),
            (&["SCRIPT", "EXISTS", "abc"], CommandClass::Write),
            (&["SCRIPT", "FROBNICATE"], CommandClass::Write),
            (&["FUNCTION", "LIST"], CommandClass::Write),
            (&["PUBSUB", "CHANNELS"], CommandClass::Write),
            (
                &["HGETEX", "h", "EX", "10", "FIELDS", "1", "f"],
                CommandClass::Write,
            ),
            (&["HTTL", "h", "FIELDS", "1", "f"], CommandClass::Read),
        ] {
            assert_eq!(class(command), want, "{command:?}");
        }
    }

    #[test]
    fn the_table_is_sorted_without_duplicates_and_every_container_has_a_row() {
        for pair in COMMANDS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        for pair in SUBCOMMANDS.windows(2) {
            let (a, b) = ((pair[0].0, pair[0].1), (pair[1].0, pair[1].1));
            assert!(a < b, "{a:?} before {b:?}");
        }
        for &(command, subcommand, rule) in SUBCOMMANDS {
            let container = COMMANDS.iter().find(|(name, _)| *name == command);
            assert!(container.is_some(), "{command} {subcommand}");
            assert!(rule.since >= container.map_or(Since::Redis7_0, |(_, rule)| rule.since));
        }
        // Names fit the stack buffer they are compared in, and are upper case.
        for row in command_table() {
            for name in std::iter::once(row.command).chain(row.subcommand) {
                assert!(name.len() < NAME_MAX, "{name}");
                assert_eq!(name, name.to_ascii_uppercase());
            }
        }
        assert_eq!(command_table().count(), COMMANDS.len() + SUBCOMMANDS.len());
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
        // Where the servers put it: after a subcommand, after numkeys, or past an operation.
        assert_eq!(first_key(&["OBJECT", "ENCODING", "k"]), Some(&b"k"[..]));
        assert_eq!(first_key(&["XINFO", "STREAM", "s"]), Some(&b"s"[..]));
        assert_eq!(first_key(&["ZUNION", "2", "a", "b"]), Some(&b"a"[..]));
        assert_eq!(first_key(&["LMPOP", "1", "q", "LEFT"]), Some(&b"q"[..]));
        assert_eq!(
            first_key(&["BITOP", "AND", "dest", "a"]),
            Some(&b"dest"[..])
        );
        assert_eq!(first_key(&["XREAD", "STREAMS", "s", "0"]), None);
        assert_eq!(first_key(&["PUBLISH", "channel", "hi"]), None);
    }

    #[test]
    fn read_only_tokens_cannot_scan_the_keyspace() {
        assert!(!is_read_only(&["SCAN", "0"]));
        assert!(is_read_only(&["GET", "k"]));
        assert!(!is_read_only(&["SET", "k", "v"]));
        assert!(!is_read_only::<&str>(&[]));
    }
}
