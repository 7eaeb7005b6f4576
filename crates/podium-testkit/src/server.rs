use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::tls::TestCertificates;
use crate::tools;

/// The Redis user every test server has for the gateway (see [`RedisServer::gateway_url`]).
pub const GATEWAY_USER: &str = "podium-gateway";

/// How long a server may take to answer its first PING.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Which server implementation a suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// Valkey 8.1, the default.
    Valkey,
    /// Valkey 9.1, which `scripts/bootstrap.sh --test` installs for the command-policy
    /// completeness test (`tools.json`: `valkey9-server`).
    Valkey9,
    /// Redis 7.0.
    Redis,
}

impl ServerKind {
    /// `PODIUM_TEST_SERVER=redis` selects Redis 7, `valkey9` Valkey 9; anything else, Valkey 8.
    pub fn from_env() -> Self {
        match std::env::var("PODIUM_TEST_SERVER").as_deref() {
            Ok("redis") => Self::Redis,
            Ok("valkey9") => Self::Valkey9,
            _ => Self::Valkey,
        }
    }

    /// The server binary, found as the node harness finds it (see [`crate::tools`]): its
    /// environment variable (`PODIUM_VALKEY_SERVER`, `PODIUM_VALKEY9_SERVER`,
    /// `PODIUM_REDIS_SERVER`), then the paths file
    /// the bootstrap writes, then `PATH`, then the copies the bootstrap or Debian install.
    ///
    /// # Panics
    /// When none is found, or the environment variable names no executable file.
    pub fn binary(self) -> PathBuf {
        let name = match self {
            Self::Valkey => "valkey-server",
            Self::Valkey9 => "valkey9-server",
            Self::Redis => "redis-server",
        };
        let hint = match self {
            Self::Valkey9 => "; Valkey 9 comes with `bash scripts/bootstrap.sh --test`",
            Self::Valkey | Self::Redis => "",
        };
        tools::tool_path(name).unwrap_or_else(|error| panic!("{error}{hint}"))
    }
}

/// 32 hex digits from the standard library's per-process random hash keys: tests need a
/// password nobody guesses, not a cryptographic one.
fn random_password() -> String {
    use std::hash::{BuildHasher, RandomState};
    let half = || RandomState::new().hash_one(Instant::now());
    format!("{:016x}{:016x}", half(), half())
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("the OS should hand out a free loopback port")
}

/// A running Valkey/Redis server in its own temporary directory, killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    kind: ServerKind,
    port: u16,
    tls: Option<TestCertificates>,
    extra_args: Vec<String>,
    /// The password of [`GATEWAY_USER`], fresh for each server.
    gateway_password: String,
    dir: TempDir,
    child: Option<Child>,
}

impl RedisServer {
    /// The server chosen by `PODIUM_TEST_SERVER`.
    pub async fn start() -> Self {
        Self::start_with(ServerKind::from_env(), Vec::new()).await
    }

    /// A server of `kind` started with extra arguments (e.g. `--appendonly yes`).
    pub async fn start_with(kind: ServerKind, extra_args: Vec<String>) -> Self {
        Self::launch(kind, None, extra_args).await
    }

    /// Redis 7 serving TLS only (the Valkey wheel is built without TLS), with a fresh CA.
    pub async fn start_tls() -> Self {
        Self::launch(
            ServerKind::Redis,
            Some(TestCertificates::generate()),
            Vec::new(),
        )
        .await
    }

    async fn launch(
        kind: ServerKind,
        tls: Option<TestCertificates>,
        extra_args: Vec<String>,
    ) -> Self {
        let mut last_error = String::new();
        for _attempt in 0..5 {
            let mut server = Self {
                kind,
                port: free_port(),
                tls: tls.clone(),
                extra_args: extra_args.clone(),
                gateway_password: random_password(),
                dir: tempfile::tempdir().expect("temporary directory"),
                child: None,
            };
            match server.spawn_and_wait().await {
                Ok(()) => return server,
                // Another process may have taken the port in the meantime: try another.
                Err(error) => last_error = error,
            }
        }
        panic!("{kind:?} server did not start: {last_error}");
    }

    fn args(&self) -> Vec<String> {
        let port = self.port.to_string();
        let dir = self.dir.path().display().to_string();
        let mut args: Vec<String> = vec!["--bind".into(), "127.0.0.1".into()];
        match &self.tls {
            Some(tls) => args.extend([
                "--port".into(),
                "0".into(),
                "--tls-port".into(),
                port,
                "--tls-cert-file".into(),
                tls.cert_file.display().to_string(),
                "--tls-key-file".into(),
                tls.key_file.display().to_string(),
                "--tls-ca-cert-file".into(),
                tls.ca_file.display().to_string(),
                "--tls-auth-clients".into(),
                "no".into(),
            ]),
            None => args.extend(["--port".into(), port]),
        }
        args.extend([
            "--dir".into(),
            dir,
            "--save".into(),
            String::new(),
            "--logfile".into(),
            "server.log".into(),
        ]);
        // The gateway's user with the rules the gateway prints, declared on the command line
        // (not with ACL SETUSER) so that it survives a restart, as the data does with AOF.
        args.extend(["--user".into(), GATEWAY_USER.into()]);
        args.extend(podium_gateway::acl_rules().split(' ').map(str::to_owned));
        args.push(format!(">{}", self.gateway_password));
        if !self.extra_args.iter().any(|arg| arg == "--appendonly") {
            args.extend(["--appendonly".into(), "no".into()]);
        }
        args.extend(self.extra_args.iter().cloned());
        args
    }

    async fn spawn_and_wait(&mut self) -> Result<(), String> {
        let binary = self.kind.binary();
        let child = Command::new(&binary)
            .args(self.args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("cannot run {}: {error}", binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                return Err(format!("exited with {status}: {}", self.log()));
            }
            if self.ping().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(format!(
                    "no answer within {START_TIMEOUT:?}: {}",
                    self.log()
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// PINGs the server once.
    pub async fn ping(&self) -> redis::RedisResult<()> {
        let mut connection = self.client().get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await?;
        Ok(())
    }

    /// A redis-rs client for checking what the gateway stored.
    pub fn client(&self) -> redis::Client {
        match &self.tls {
            Some(tls) => redis::Client::build_with_tls(self.url(), tls.redis_certificates())
                .expect("valid TLS client"),
            None => redis::Client::open(self.url()).expect("valid URL"),
        }
    }

    /// A multiplexed connection for direct reads and writes in tests. redis-rs gives up on a
    /// reply after 500 ms unless told otherwise, and on a loaded machine setting up a cluster's
    /// 16,384 slots can take longer: a test waits for its server, it does not time it.
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let config =
            redis::AsyncConnectionConfig::new().set_response_timeout(Some(Duration::from_secs(30)));
        self.client()
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .expect("connection to the test server")
    }

    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The URL for a gateway: as [`GATEWAY_USER`], whose ACL rules
    /// (`podium_gateway::acl_rules`) deny scripts what the gateway refuses as commands. Tests that
    /// need `allow_dangerous_commands` use [`RedisServer::url`], the unrestricted default user.
    pub fn gateway_url(&self) -> String {
        self.url().replacen(
            "://",
            &format!("://{GATEWAY_USER}:{}@", self.gateway_password),
            1,
        )
    }

    pub fn tls(&self) -> Option<&TestCertificates> {
        self.tls.as_ref()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and directory (data survives only with AOF).
    pub async fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.spawn_and_wait().await {
                Ok(()) => return,
                // The old socket may linger for a moment.
                Err(error) if Instant::now() > deadline => panic!("restart failed: {error}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Sends a signal by PID (`STOP` freezes the server, `CONT` resumes it).
    pub fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(child.id().to_string())
                .status();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.signal("CONT");
        self.kill();
    }
}
