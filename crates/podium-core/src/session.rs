//! Player sessions as signed tokens, checked by the Worker without a Redis call.
//!
//! A token is `v1.<payload>.<mac>`: the payload is the base64url (no padding) JSON of
//! [`SessionClaims`], the MAC is HMAC-SHA-256 over `v1.<payload>` under a key derived from the
//! server key ([`SessionKey::derive`]). Creating a session therefore writes nothing, and a
//! session write needs no session key in the write script's slot (`docs/architecture.md`,
//! "Sessions"). Ending a session early is a [`RevocationList`] entry, kept until the token's
//! own expiry.
//!
//! Everything here is pure: the clock and the random token id are arguments.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::validate::{DisplayName, PlayerId};

/// The format version, the token's first part; a later format gets another.
pub const SESSION_TOKEN_VERSION: &str = "v1";
/// The HKDF `info` that derives the session MAC key from the server key: a fixed label, so the
/// derived key is good for session tokens and nothing else.
const KEY_LABEL: &[u8] = b"podium session token v1";
/// Bytes of randomness in a token id (base64url: 22 characters).
pub const SESSION_ID_BYTES: usize = 16;
/// Longest token [`SessionKey::verify`] reads: a payload with the longest player id and
/// display name is well under it, so anything longer is refused before any decoding.
pub const MAX_SESSION_TOKEN_BYTES: usize = 1024;
/// How stale an isolate's copy of the ended sessions may be before a session request refreshes
/// it: the bound within which ending a session takes effect everywhere.
pub const REVOCATION_REFRESH_MS: i64 = 1000;

type HmacSha256 = Hmac<Sha256>;

/// What a session token says: whose it is, the name it was made with, and its lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionClaims {
    /// The only player the session writes for.
    pub player: PlayerId,
    /// The name used for writes that send none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<DisplayName>,
    /// Unix milliseconds when it was made.
    pub issued_ms: i64,
    /// Unix milliseconds from which it is refused.
    pub expires_ms: i64,
    /// Random, unique per session: what ending the session records.
    pub id: String,
}

impl SessionClaims {
    /// A session for `player` made at `now_ms`, living `ttl_secs` (at least 1), with an id from
    /// `random` (the platform's CSPRNG).
    pub fn new(
        player: PlayerId,
        name: Option<DisplayName>,
        now_ms: i64,
        ttl_secs: u64,
        random: [u8; SESSION_ID_BYTES],
    ) -> Self {
        let ttl_ms = i64::try_from(ttl_secs.max(1))
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        Self {
            player,
            name,
            issued_ms: now_ms,
            expires_ms: now_ms.saturating_add(ttl_ms),
            id: URL_SAFE_NO_PAD.encode(random),
        }
    }
}

/// Why a token was refused. The API answers all of them alike (401 `unauthorized`): a caller
/// learns nothing about which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a session token")]
    Malformed,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the session has expired")]
    Expired,
}

/// The MAC key of session tokens. Never printed.
#[derive(Clone)]
pub struct SessionKey {
    key: [u8; 32],
}

impl SessionKey {
    /// HKDF-SHA-256 of `server_key` with a fixed label: one secret less to configure and
    /// rotate, at the price that rotating the server key ends every session.
    pub fn derive(server_key: &str) -> Self {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(None, server_key.as_bytes())
            .expand(KEY_LABEL, &mut key)
            .expect("32 bytes is a valid HKDF-SHA-256 output length");
        Self { key }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.key).expect("HMAC takes a key of any length")
    }

    /// The token for `claims`.
    pub fn issue(&self, claims: &SessionClaims) -> String {
        let payload = serde_json::to_vec(claims).expect("claims serialize");
        let mut token = format!(
            "{SESSION_TOKEN_VERSION}.{}",
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = self.mac();
        mac.update(token.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        token.push('.');
        token.push_str(&tag);
        token
    }

    /// The claims of `token` if this key signed it and it has not expired at `now_ms`. The MAC
    /// is checked (in constant time) before the payload is decoded, so nothing an attacker
    /// writes is parsed.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<SessionClaims, TokenError> {
        if token.len() > MAX_SESSION_TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let (signed, tag) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let (version, payload) = signed.split_once('.').ok_or(TokenError::Malformed)?;
        if version != SESSION_TOKEN_VERSION {
            return Err(TokenError::Malformed);
        }
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| TokenError::Malformed)?;
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        mac.verify_slice(&tag)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| TokenError::Malformed)?;
        let claims: SessionClaims =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if now_ms >= claims.expires_ms {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(<redacted>)")
    }
}

/// An isolate's copy of the ended sessions still inside their lifetime: token id → expiry
/// (Unix ms). It is replaced by a fresh read at most every [`REVOCATION_REFRESH_MS`], and only
/// when a session request needs it, so ending a session takes effect on every isolate within
/// that bound (plus the time of the request that ends it).
#[derive(Debug, Clone, Default)]
pub struct RevocationList {
    ended: HashMap<String, i64>,
    loaded_ms: Option<i64>,
}

impl RevocationList {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a session request at `now_ms` must read the list first: never read, or read
    /// [`REVOCATION_REFRESH_MS`] or longer ago (or in the future: a clock that went back).
    pub fn needs_refresh(&self, now_ms: i64) -> bool {
        self.loaded_ms.is_none_or(|loaded| {
            now_ms.saturating_sub(loaded) >= REVOCATION_REFRESH_MS || now_ms < loaded
        })
    }

    /// Replaces the copy with `ended` (id, expiry) as read at `now_ms`.
    pub fn replace(&mut self, ended: impl IntoIterator<Item = (String, i64)>, now_ms: i64) {
        self.ended = ended
            .into_iter()
            .filter(|(_, expires_ms)| *expires_ms > now_ms)
            .collect();
        self.loaded_ms = Some(now_ms);
    }

    /// Records a session this isolate ended, so it is refused here at once.
    pub fn insert(&mut self, id: &str, expires_ms: i64) {
        self.ended.insert(id.to_owned(), expires_ms);
    }

    /// Whether the session `id` was ended (as of the last refresh, or by this isolate).
    pub fn is_ended(&self, id: &str) -> bool {
        self.ended.contains_key(id)
    }

    /// Ended sessions in the copy.
    pub fn len(&self) -> usize {
        self.ended.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ended.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_608_000_000;

    fn claims() -> SessionClaims {
        SessionClaims::new(
            PlayerId::try_from("alice").unwrap(),
            Some(DisplayName::try_from("Alice").unwrap()),
            NOW,
            120,
            [7; SESSION_ID_BYTES],
        )
    }

    #[test]
    fn a_token_carries_its_claims_until_it_expires() {
        let key = SessionKey::derive("server-key");
        let token = key.issue(&claims());
        assert!(token.starts_with("v1."), "{token}");
        assert_eq!(token.split('.').count(), 3);
        assert_eq!(key.verify(&token, NOW), Ok(claims()));
        assert_eq!(key.verify(&token, NOW + 119_999), Ok(claims()));
        assert_eq!(key.verify(&token, NOW + 120_000), Err(TokenError::Expired));
        assert_eq!(claims().id.len(), 22);
    }

    #[test]
    fn another_key_or_a_changed_byte_is_refused() {
        let key = SessionKey::derive("server-key");
        let token = key.issue(&claims());
        assert_eq!(
            SessionKey::derive("other-key").verify(&token, NOW),
            Err(TokenError::BadSignature)
        );
        // Every single-character change, anywhere in the token, is refused.
        for at in 0..token.len() {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let tampered = String::from_utf8(bytes).unwrap();
            assert!(key.verify(&tampered, NOW).is_err(), "{tampered}");
        }
        // A payload naming another player, with the MAC of the original.
        let (_, payload, tag) = {
            let mut parts = token.split('.');
            (parts.next(), parts.next().unwrap(), parts.next().unwrap())
        };
        let mut other = claims();
        other.player = PlayerId::try_from("mallory").unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&other).unwrap());
        assert_ne!(forged_payload, payload);
        let forged = format!("v1.{forged_payload}.{tag}");
        assert_eq!(key.verify(&forged, NOW), Err(TokenError::BadSignature));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let key = SessionKey::derive("server-key");
        let token = key.issue(&claims());
        let long = "a".repeat(MAX_SESSION_TOKEN_BYTES + 1);
        let v2 = token.replacen("v1.", "v2.", 1);
        for bad in ["", "v1", "v1..", "v1.e30.", "garbage-token", &long, &v2] {
            assert!(key.verify(bad, NOW).is_err(), "{bad:?}");
        }
        // Signed by this key, but not claims: still refused (a format the verifier must not
        // half-read).
        let mut mac = key.mac();
        let signed = format!("v1.{}", URL_SAFE_NO_PAD.encode(b"{\"player\":\"a\"}"));
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(
            key.verify(&format!("{signed}.{tag}"), NOW),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn the_derived_key_depends_on_the_server_key_only() {
        let token = SessionKey::derive("k1").issue(&claims());
        assert!(SessionKey::derive("k1").verify(&token, NOW).is_ok());
        assert!(!format!("{:?}", SessionKey::derive("k1")).contains("k1"));
    }

    #[test]
    fn the_revocation_list_refreshes_at_most_once_a_second() {
        let mut list = RevocationList::new();
        assert!(list.needs_refresh(NOW), "never read");
        list.replace(
            [("a".to_owned(), NOW + 5_000), ("gone".to_owned(), NOW)],
            NOW,
        );
        assert!(list.is_ended("a"));
        assert!(!list.is_ended("gone"), "expired entries are dropped");
        assert!(!list.needs_refresh(NOW + REVOCATION_REFRESH_MS - 1));
        assert!(list.needs_refresh(NOW + REVOCATION_REFRESH_MS));
        assert!(list.needs_refresh(NOW - 1), "a clock that went back");
        list.insert("b", NOW + 5_000);
        assert!(list.is_ended("b"), "ended here: refused at once");
        list.replace([], NOW + 2_000);
        assert!(list.is_empty());
    }
}
