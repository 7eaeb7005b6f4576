//! Typed wrappers for the commands a leaderboard uses, so callers get Rust types instead of
//! [`Value`](crate::Value)s and cannot misspell an option.

use crate::client::Client;
use crate::command::{Arg, Command};
use crate::error::Result;
use crate::transport::Transport;

/// The flags of `ZADD`. Redis refuses contradictory mixes (`NX` with `GT`/`LT`); that error is
/// left to Redis so its message reaches the caller unchanged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ZAddOptions {
    existence: Option<&'static str>,
    comparison: Option<&'static str>,
    changed: bool,
}

impl ZAddOptions {
    /// `NX`: only add new members, never update.
    pub fn nx(mut self) -> Self {
        self.existence = Some("NX");
        self
    }

    /// `XX`: only update existing members, never add.
    pub fn xx(mut self) -> Self {
        self.existence = Some("XX");
        self
    }

    /// `GT`: update only when the new score is greater (a high-score table).
    pub fn gt(mut self) -> Self {
        self.comparison = Some("GT");
        self
    }

    /// `LT`: update only when the new score is lower (a best-time table).
    pub fn lt(mut self) -> Self {
        self.comparison = Some("LT");
        self
    }

    /// `CH`: count changed members, not only added ones, in the reply.
    pub fn ch(mut self) -> Self {
        self.changed = true;
        self
    }

    fn flags(&self) -> impl Iterator<Item = &'static str> {
        [
            self.existence,
            self.comparison,
            self.changed.then_some("CH"),
        ]
        .into_iter()
        .flatten()
    }
}

impl<T: Transport> Client<T> {
    /// `PING`, answered `PONG`.
    pub async fn ping(&self) -> Result<String> {
        self.query(Command::new("PING")).await
    }

    pub async fn get(&self, key: &str) -> Result<Option<String>> {
        self.query(Command::new("GET").arg(key)).await
    }

    /// `SET key value EX seconds`.
    pub async fn set_ex(&self, key: &str, value: impl Arg, seconds: u64) -> Result<()> {
        let cmd = Command::new("SET")
            .arg(key)
            .arg(value)
            .arg("EX")
            .arg(seconds);
        self.query(cmd).await
    }

    /// `SET key value NX EX seconds`: `true` if the key was set, `false` if it already existed
    /// (a lock, an idempotency key, a once-per-window marker).
    pub async fn set_nx_ex(&self, key: &str, value: impl Arg, seconds: u64) -> Result<bool> {
        let cmd = Command::new("SET")
            .arg(key)
            .arg(value)
            .arg("NX")
            .arg("EX")
            .arg(seconds);
        let reply: Option<String> = self.query(cmd).await?;
        Ok(reply.is_some())
    }

    pub async fn incr(&self, key: &str) -> Result<i64> {
        self.query(Command::new("INCR").arg(key)).await
    }

    /// The number of keys that existed and were removed.
    pub async fn del(&self, keys: &[&str]) -> Result<i64> {
        self.query(Command::new("DEL").args(keys.iter().copied()))
            .await
    }

    /// `false` when the key does not exist.
    pub async fn expire(&self, key: &str, seconds: u64) -> Result<bool> {
        self.query(Command::new("EXPIRE").arg(key).arg(seconds))
            .await
    }

    /// Seconds left; `-1` when the key has no expiry, `-2` when it does not exist.
    pub async fn ttl(&self, key: &str) -> Result<i64> {
        self.query(Command::new("TTL").arg(key)).await
    }

    /// The number of fields that were added (not updated).
    pub async fn hset(&self, key: &str, fields: &[(&str, &str)]) -> Result<i64> {
        let cmd = fields
            .iter()
            .fold(Command::new("HSET").arg(key), |cmd, (field, value)| {
                cmd.arg(*field).arg(*value)
            });
        self.query(cmd).await
    }

    pub async fn hget(&self, key: &str, field: &str) -> Result<Option<String>> {
        self.query(Command::new("HGET").arg(key).arg(field)).await
    }

    /// All fields and values, in Redis's order (empty when the key does not exist).
    pub async fn hgetall(&self, key: &str) -> Result<Vec<(String, String)>> {
        self.query(Command::new("HGETALL").arg(key)).await
    }

    pub async fn hdel(&self, key: &str, fields: &[&str]) -> Result<i64> {
        self.query(Command::new("HDEL").arg(key).args(fields.iter().copied()))
            .await
    }

    /// `ZADD key [NX|XX] [GT|LT] [CH] score member …`: the number of members added (or changed,
    /// with [`ZAddOptions::ch`]).
    pub async fn zadd(
        &self,
        key: &str,
        members: &[(&str, f64)],
        options: ZAddOptions,
    ) -> Result<i64> {
        let cmd = members.iter().fold(
            Command::new("ZADD").arg(key).args(options.flags()),
            |cmd, (member, score)| cmd.arg(*score).arg(*member),
        );
        self.query(cmd).await
    }

    /// The member's new score.
    pub async fn zincrby(&self, key: &str, increment: f64, member: &str) -> Result<f64> {
        self.query(Command::new("ZINCRBY").arg(key).arg(increment).arg(member))
            .await
    }

    pub async fn zscore(&self, key: &str, member: &str) -> Result<Option<f64>> {
        self.query(Command::new("ZSCORE").arg(key).arg(member))
            .await
    }

    /// 0-based rank from the lowest score; `None` when the member is absent.
    pub async fn zrank(&self, key: &str, member: &str) -> Result<Option<i64>> {
        self.query(Command::new("ZRANK").arg(key).arg(member)).await
    }

    /// 0-based rank from the highest score (the leaderboard position); `None` when absent.
    pub async fn zrevrank(&self, key: &str, member: &str) -> Result<Option<i64>> {
        self.query(Command::new("ZREVRANK").arg(key).arg(member))
            .await
    }

    pub async fn zcard(&self, key: &str) -> Result<i64> {
        self.query(Command::new("ZCARD").arg(key)).await
    }

    /// The number of members removed.
    pub async fn zrem(&self, key: &str, members: &[&str]) -> Result<i64> {
        self.query(Command::new("ZREM").arg(key).args(members.iter().copied()))
            .await
    }

    /// Members with scores, lowest first, by inclusive rank range (negative counts from the end).
    pub async fn zrange_withscores(
        &self,
        key: &str,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(String, f64)>> {
        let cmd = Command::new("ZRANGE")
            .arg(key)
            .arg(start)
            .arg(stop)
            .arg("WITHSCORES");
        self.query(cmd).await
    }

    /// Members with scores, highest first: a page of the leaderboard.
    pub async fn zrevrange_withscores(
        &self,
        key: &str,
        start: i64,
        stop: i64,
    ) -> Result<Vec<(String, f64)>> {
        let cmd = Command::new("ZREVRANGE")
            .arg(key)
            .arg(start)
            .arg(stop)
            .arg("WITHSCORES");
        self.query(cmd).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeTransport, result_text, result_texts};

    fn client(fake: FakeTransport) -> Client<FakeTransport> {
        Client::new("http://gw.test", "t", fake)
    }

    fn bodies(c: &Client<FakeTransport>) -> Vec<String> {
        c.transport().sent().into_iter().map(|s| s.body).collect()
    }

    #[tokio::test]
    async fn zadd_flags_in_redis_order() {
        let c = client(
            FakeTransport::default()
                .reply(200, r#"{"result":1}"#)
                .reply(200, r#"{"result":2}"#)
                .reply(200, r#"{"result":0}"#),
        );
        assert_eq!(
            c.zadd("lb", &[("alice", 10.0)], ZAddOptions::default())
                .await
                .unwrap(),
            1
        );
        let both = [("alice", 12.5), ("bob", -3.0)];
        let options = ZAddOptions::default().ch().gt().xx();
        assert_eq!(c.zadd("lb", &both, options).await.unwrap(), 2);
        let options = ZAddOptions::default().xx().nx().gt().lt();
        assert_eq!(c.zadd("lb", &[("x", 1.0)], options).await.unwrap(), 0);
        assert_eq!(
            bodies(&c),
            [
                r#"["ZADD","lb","10","alice"]"#,
                r#"["ZADD","lb","XX","GT","CH","12.5","alice","-3","bob"]"#,
                r#"["ZADD","lb","NX","LT","1","x"]"#,
            ]
        );
    }

    #[tokio::test]
    async fn sorted_set_reads() {
        let c = client(
            FakeTransport::default()
                .reply(200, &result_texts(&["bob", "30", "alice", "20"]))
                .reply(200, &result_texts(&[]))
                .reply(200, r#"{"result":0}"#)
                .reply(200, r#"{"result":null}"#)
                .reply(200, &result_text("20"))
                .reply(200, r#"{"result":null}"#)
                .reply(200, &result_text("25.5"))
                .reply(200, r#"{"result":2}"#)
                .reply(200, r#"{"result":1}"#)
                .reply(200, r#"{"result":3}"#),
        );
        assert_eq!(
            c.zrevrange_withscores("lb", 0, 9).await.unwrap(),
            vec![("bob".to_owned(), 30.0), ("alice".to_owned(), 20.0)]
        );
        assert!(c.zrange_withscores("lb", 0, -1).await.unwrap().is_empty());
        assert_eq!(c.zrevrank("lb", "bob").await.unwrap(), Some(0));
        assert_eq!(c.zrank("lb", "nobody").await.unwrap(), None);
        assert_eq!(c.zscore("lb", "alice").await.unwrap(), Some(20.0));
        assert_eq!(c.zscore("lb", "nobody").await.unwrap(), None);
        assert_eq!(c.zincrby("lb", 5.5, "alice").await.unwrap(), 25.5);
        assert_eq!(c.zcard("lb").await.unwrap(), 2);
        assert_eq!(c.zrem("lb", &["alice"]).await.unwrap(), 1);
        assert_eq!(c.del(&["a", "b", "c"]).await.unwrap(), 3);
        assert_eq!(
            bodies(&c),
            [
                r#"["ZREVRANGE","lb","0","9","WITHSCORES"]"#,
                r#"["ZRANGE","lb","0","-1","WITHSCORES"]"#,
                r#"["ZREVRANK","lb","bob"]"#,
                r#"["ZRANK","lb","nobody"]"#,
                r#"["ZSCORE","lb","alice"]"#,
                r#"["ZSCORE","lb","nobody"]"#,
                r#"["ZINCRBY","lb","5.5","alice"]"#,
                r#"["ZCARD","lb"]"#,
                r#"["ZREM","lb","alice"]"#,
                r#"["DEL","a","b","c"]"#,
            ]
        );
    }

    #[tokio::test]
    async fn strings_keys_and_hashes() {
        let c = client(
            FakeTransport::default()
                .reply(200, &result_text("PONG"))
                .reply(200, r#"{"result":"OK"}"#)
                .reply(200, r#"{"result":"OK"}"#)
                .reply(200, r#"{"result":null}"#)
                .reply(200, &result_text("v"))
                .reply(200, r#"{"result":null}"#)
                .reply(200, r#"{"result":7}"#)
                .reply(200, r#"{"result":1}"#)
                .reply(200, r#"{"result":-2}"#)
                .reply(200, r#"{"result":2}"#)
                .reply(200, &result_text("1"))
                .reply(200, &result_texts(&["f", "1", "g", "2"]))
                .reply(200, r#"{"result":1}"#),
        );
        assert_eq!(c.ping().await.unwrap(), "PONG");
        c.set_ex("k", "v", 60).await.unwrap();
        assert!(c.set_nx_ex("lock", 1, 30).await.unwrap());
        assert!(!c.set_nx_ex("lock", 1, 30).await.unwrap());
        assert_eq!(c.get("k").await.unwrap().as_deref(), Some("v"));
        assert_eq!(c.get("missing").await.unwrap(), None);
        assert_eq!(c.incr("n").await.unwrap(), 7);
        assert!(c.expire("n", 10).await.unwrap());
        assert_eq!(c.ttl("missing").await.unwrap(), -2);
        assert_eq!(c.hset("h", &[("f", "1"), ("g", "2")]).await.unwrap(), 2);
        assert_eq!(c.hget("h", "f").await.unwrap().as_deref(), Some("1"));
        assert_eq!(
            c.hgetall("h").await.unwrap(),
            vec![
                ("f".to_owned(), "1".to_owned()),
                ("g".to_owned(), "2".to_owned())
            ]
        );
        assert_eq!(c.hdel("h", &["f"]).await.unwrap(), 1);
        assert_eq!(
            bodies(&c),
            [
                r#"["PING"]"#,
                r#"["SET","k","v","EX","60"]"#,
                r#"["SET","lock","1","NX","EX","30"]"#,
                r#"["SET","lock","1","NX","EX","30"]"#,
                r#"["GET","k"]"#,
                r#"["GET","missing"]"#,
                r#"["INCR","n"]"#,
                r#"["EXPIRE","n","10"]"#,
                r#"["TTL","missing"]"#,
                r#"["HSET","h","f","1","g","2"]"#,
                r#"["HGET","h","f"]"#,
                r#"["HGETALL","h"]"#,
                r#"["HDEL","h","f"]"#,
            ]
        );
    }
}
