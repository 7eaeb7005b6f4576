use crate::error::{Error, Result};

/// A decoded reply: the RESP2 shapes the REST protocol carries. There are no floats or maps on the
/// wire: a score arrives as text and a hash as a flat array, hence the conversions in [`FromValue`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Nil,
    Int(i64),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
}

impl Value {
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text of a bulk reply, if it is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The elements of an array reply (nil counts as empty, as Redis means it for missing keys).
    pub fn into_vec(self) -> Result<Vec<Value>> {
        Vec::<Value>::from_value(self)
    }

    pub fn into_bytes(self) -> Result<Vec<u8>> {
        Vec::<u8>::from_value(self)
    }

    pub fn into_string(self) -> Result<String> {
        String::from_value(self)
    }

    /// A short description for error messages, without dumping large values.
    fn describe(&self) -> String {
        match self {
            Value::Nil => "nil".to_owned(),
            Value::Int(n) => format!("integer {n}"),
            Value::Bytes(b) if b.len() <= 40 => format!("bytes {:?}", String::from_utf8_lossy(b)),
            Value::Bytes(b) => format!("{} bytes", b.len()),
            Value::Array(items) => format!("array of {}", items.len()),
        }
    }

    fn unexpected<T>(&self, expected: &'static str) -> Result<T> {
        Err(Error::UnexpectedReply {
            expected,
            got: self.describe(),
        })
    }
}

/// A typed view of a reply, used by [`Client::query`](crate::Client::query).
pub trait FromValue: Sized {
    fn from_value(value: Value) -> Result<Self>;
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self> {
        Ok(value)
    }
}

/// For commands whose reply only says "done" (`OK`), or whose reply the caller ignores.
impl FromValue for () {
    fn from_value(_: Value) -> Result<Self> {
        Ok(())
    }
}

/// Integers, and bulk strings holding one: `GET` of a counter returns its text.
impl FromValue for i64 {
    fn from_value(value: Value) -> Result<Self> {
        match &value {
            Value::Int(n) => Ok(*n),
            Value::Bytes(_) => match value.as_str().and_then(|s| s.parse().ok()) {
                Some(n) => Ok(n),
                None => value.unexpected("an integer"),
            },
            _ => value.unexpected("an integer"),
        }
    }
}

/// Redis answers yes/no questions (`EXPIRE`, `SISMEMBER`) with 1 or 0.
impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Int(n) => Ok(n != 0),
            other => other.unexpected("0 or 1"),
        }
    }
}

/// Scores arrive as text (`"1500"`, `"-2.5"`, `"inf"`); integers are accepted too.
impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self> {
        match &value {
            Value::Int(n) => Ok(*n as f64),
            Value::Bytes(_) => match value.as_str().and_then(|s| s.parse().ok()) {
                Some(x) => Ok(x),
                None => value.unexpected("a number"),
            },
            _ => value.unexpected("a number"),
        }
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Bytes(bytes) => String::from_utf8(bytes).map_err(|e| Error::UnexpectedReply {
                expected: "UTF-8 text",
                got: format!("{} non-UTF-8 bytes", e.as_bytes().len()),
            }),
            Value::Int(n) => Ok(n.to_string()),
            other => other.unexpected("text"),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Bytes(bytes) => Ok(bytes),
            Value::Int(n) => Ok(n.to_string().into_bytes()),
            other => other.unexpected("bytes"),
        }
    }
}

/// Nil becomes `None`: a missing key, member or field.
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Nil => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Array(items) => items.into_iter().map(T::from_value).collect(),
            Value::Nil => Ok(Vec::new()),
            other => other.unexpected("an array"),
        }
    }
}

/// `WITHSCORES` replies: a flat `[member, score, member, score, …]` array.
impl FromValue for Vec<(String, f64)> {
    fn from_value(value: Value) -> Result<Self> {
        pairs(value)
    }
}

/// `HGETALL` and similar: a flat `[field, value, field, value, …]` array.
impl FromValue for Vec<(String, String)> {
    fn from_value(value: Value) -> Result<Self> {
        pairs(value)
    }
}

fn pairs<A: FromValue, B: FromValue>(value: Value) -> Result<Vec<(A, B)>> {
    let items = value.into_vec()?;
    if items.len() % 2 != 0 {
        return Err(Error::UnexpectedReply {
            expected: "an even number of elements",
            got: format!("array of {}", items.len()),
        });
    }
    let mut out = Vec::with_capacity(items.len() / 2);
    let mut iter = items.into_iter();
    while let (Some(a), Some(b)) = (iter.next(), iter.next()) {
        out.push((A::from_value(a)?, B::from_value(b)?));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }

    #[test]
    fn helpers() {
        assert!(Value::Nil.is_nil());
        assert_eq!(Value::Int(3).as_i64(), Some(3));
        assert_eq!(bytes("hi").as_str(), Some("hi"));
        assert_eq!(Value::Bytes(vec![0xff]).as_str(), None);
        assert_eq!(Value::Bytes(vec![0xff]).as_bytes(), Some(&[0xff][..]));
        assert_eq!(
            Value::Array(vec![Value::Int(1)]).as_array(),
            Some(&[Value::Int(1)][..])
        );
        assert_eq!(Value::Nil.into_vec().unwrap(), vec![]);
        assert!(Value::Int(1).into_vec().is_err());
        assert_eq!(bytes("x").into_string().unwrap(), "x");
    }

    #[test]
    fn integers() {
        assert_eq!(i64::from_value(Value::Int(-7)).unwrap(), -7);
        assert_eq!(i64::from_value(bytes("42")).unwrap(), 42);
        assert!(i64::from_value(bytes("4.2")).is_err());
        assert!(i64::from_value(Value::Nil).is_err());
        assert_eq!(Option::<i64>::from_value(Value::Nil).unwrap(), None);
        assert_eq!(Option::<i64>::from_value(Value::Int(0)).unwrap(), Some(0));
        assert!(bool::from_value(Value::Int(1)).unwrap());
        assert!(!bool::from_value(Value::Int(0)).unwrap());
    }

    #[test]
    fn scores_parse_from_text() {
        assert_eq!(f64::from_value(bytes("1500")).unwrap(), 1500.0);
        assert_eq!(f64::from_value(bytes("-2.5")).unwrap(), -2.5);
        assert_eq!(f64::from_value(bytes("inf")).unwrap(), f64::INFINITY);
        assert_eq!(f64::from_value(bytes("-inf")).unwrap(), f64::NEG_INFINITY);
        assert_eq!(f64::from_value(Value::Int(3)).unwrap(), 3.0);
        assert!(f64::from_value(bytes("abc")).is_err());
        assert_eq!(Option::<f64>::from_value(Value::Nil).unwrap(), None);
    }

    #[test]
    fn strings() {
        assert_eq!(String::from_value(bytes("🏆")).unwrap(), "🏆");
        assert_eq!(String::from_value(Value::Int(5)).unwrap(), "5");
        match String::from_value(Value::Bytes(vec![0xc3, 0x28])) {
            Err(Error::UnexpectedReply { expected, .. }) => assert_eq!(expected, "UTF-8 text"),
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(Option::<String>::from_value(Value::Nil).unwrap(), None);
        assert_eq!(
            Vec::<u8>::from_value(Value::Bytes(vec![0, 0xff])).unwrap(),
            vec![0, 0xff]
        );
    }

    #[test]
    fn arrays_and_pairs() {
        let reply = Value::Array(vec![
            bytes("alice"),
            bytes("20"),
            bytes("bob"),
            bytes("7.5"),
        ]);
        let scores = Vec::<(String, f64)>::from_value(reply.clone()).unwrap();
        assert_eq!(
            scores,
            vec![("alice".to_owned(), 20.0), ("bob".to_owned(), 7.5)]
        );
        let fields = Vec::<(String, String)>::from_value(reply).unwrap();
        assert_eq!(fields[1], ("bob".to_owned(), "7.5".to_owned()));

        let odd = Value::Array(vec![bytes("alice")]);
        assert!(Vec::<(String, f64)>::from_value(odd).is_err());

        let nested = Value::Array(vec![Value::Array(vec![Value::Int(1)]), Value::Nil]);
        let out = Vec::<Option<Vec<i64>>>::from_value(nested).unwrap();
        assert_eq!(out, vec![Some(vec![1]), None]);
    }

    #[test]
    fn errors_describe_without_dumping() {
        let big = Value::Bytes(vec![b'x'; 1000]);
        match i64::from_value(big) {
            Err(Error::UnexpectedReply { got, .. }) => assert_eq!(got, "1000 bytes"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
