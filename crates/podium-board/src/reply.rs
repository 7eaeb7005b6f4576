//! Decoding script replies. Scripts answer arrays of Redis values; these helpers turn their
//! elements into Rust values and name the script when the shape is wrong.

use podium_core::MAX_SAFE_INTEGER;
use podium_redis::Value;

use crate::error::BoardError;

/// A script's reply, read element by element.
pub(crate) struct Reply {
    what: &'static str,
    items: std::vec::IntoIter<Value>,
}

impl Reply {
    pub(crate) fn new(what: &'static str, value: Value) -> Result<Self, BoardError> {
        match value {
            Value::Array(items) => Ok(Self {
                what,
                items: items.into_iter(),
            }),
            other => Err(unexpected(what, format!("{other:?}"))),
        }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn next(&mut self) -> Result<Value, BoardError> {
        self.items
            .next()
            .ok_or_else(|| unexpected(self.what, "too few elements".into()))
    }

    /// An integer, sent by Lua either as a number or as `%d` text.
    pub(crate) fn int(&mut self) -> Result<i64, BoardError> {
        let value = self.next()?;
        match &value {
            Value::Int(n) => Ok(*n),
            Value::Bytes(_) => value
                .as_str()
                .and_then(|text| text.parse().ok())
                .ok_or_else(|| unexpected(self.what, format!("{value:?}"))),
            _ => Err(unexpected(self.what, format!("{value:?}"))),
        }
    }

    pub(crate) fn count(&mut self) -> Result<u64, BoardError> {
        let n = self.int()?;
        u64::try_from(n).map_err(|_| unexpected(self.what, format!("negative count {n}")))
    }

    /// A sorted-set score as Redis formats it (`%.17g` or shortest round-trip form, maybe with
    /// an exponent): exact for every integer within ±(2^53−1), the only scores written.
    pub(crate) fn score(&mut self) -> Result<i64, BoardError> {
        let value = self.next()?;
        let parsed = value.as_str().and_then(|text| text.parse::<f64>().ok());
        match parsed {
            Some(score) if score.fract() == 0.0 && score.abs() <= MAX_SAFE_INTEGER as f64 => {
                Ok(score as i64)
            }
            _ => Err(unexpected(self.what, format!("score {value:?}"))),
        }
    }

    /// Text that the caller did not necessarily write (a display name set by another tool):
    /// bytes that are not UTF-8 are replaced rather than failing the whole read.
    pub(crate) fn lossy_text(&mut self) -> Result<Option<String>, BoardError> {
        match self.next()? {
            Value::Nil => Ok(None),
            Value::Bytes(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            other => Err(unexpected(self.what, format!("{other:?}"))),
        }
    }

    pub(crate) fn text(&mut self) -> Result<String, BoardError> {
        let value = self.next()?;
        value
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| unexpected(self.what, format!("{value:?}")))
    }
}

pub(crate) fn unexpected(what: &'static str, detail: String) -> BoardError {
    BoardError::UnexpectedReply { what, detail }
}
