/// A Lua script with its SHA-1, computed once so that calls can send `EVALSHA <sha>` (40 bytes)
/// instead of the whole source, falling back to `EVAL` only when the server has not cached it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    source: String,
    sha1: String,
}

impl Script {
    pub fn new(source: impl Into<String>) -> Self {
        let source = source.into();
        let sha1 = sha1_smol::Sha1::from(source.as_bytes())
            .digest()
            .to_string();
        Self { source, sha1 }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The lower-case hex SHA-1 that Redis uses as the script's name (`SCRIPT LOAD` returns it).
    pub fn sha1(&self) -> &str {
        &self.sha1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_redis() {
        // `redis-cli SCRIPT LOAD "return 1"` answers this hash.
        assert_eq!(
            Script::new("return 1").sha1(),
            "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
        );
        assert_eq!(
            Script::new("").sha1(),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
    }
}
