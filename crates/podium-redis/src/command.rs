use std::fmt;

use crate::error::{Error, Result};

/// One Redis command: its name and its arguments as the exact bytes Redis will see.
///
/// Arguments are converted when they are added (see [`Arg`]); an argument that cannot be
/// converted is remembered and reported when the command is sent, so the builder stays a chain.
#[derive(Clone, PartialEq)]
pub struct Command {
    name: String,
    args: Vec<Vec<u8>>,
    invalid: Option<(usize, &'static str)>,
}

impl Command {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            args: Vec::new(),
            invalid: None,
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Arg) -> Self {
        match arg.into_arg() {
            Ok(bytes) => self.args.push(bytes),
            Err(reason) => {
                // Keep the position so the error names the right argument; report the first one.
                self.invalid.get_or_insert((self.args.len() + 1, reason));
                self.args.push(Vec::new());
            }
        }
        self
    }

    /// Appends every argument of an iterator, e.g. a list of keys.
    pub fn args<A: Arg>(self, args: impl IntoIterator<Item = A>) -> Self {
        args.into_iter().fold(self, Command::arg)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The arguments after the name.
    pub fn arg_bytes(&self) -> &[Vec<u8>] {
        &self.args
    }

    /// The same command under another name and with another first argument: how `EVALSHA sha …`
    /// becomes `EVAL source …` without rebuilding the keys and arguments.
    pub(crate) fn replace_head(mut self, name: &str, first_arg: &str) -> Command {
        self.name = name.to_owned();
        match self.args.first_mut() {
            Some(first) => *first = first_arg.as_bytes().to_vec(),
            None => self.args.push(first_arg.as_bytes().to_vec()),
        }
        self
    }

    /// The command as the JSON strings of a request body, name first. Index 0 is the name, so
    /// argument `i` of an error is the `i`-th after the name.
    fn json_strings(&self) -> Result<Vec<&str>> {
        if let Some((index, reason)) = self.invalid {
            return Err(Error::InvalidArgument {
                command: self.name.clone(),
                index,
                reason,
            });
        }
        let mut strings = Vec::with_capacity(self.args.len() + 1);
        strings.push(self.name.as_str());
        for (i, arg) in self.args.iter().enumerate() {
            let text = std::str::from_utf8(arg).map_err(|_| Error::NonUtf8Argument {
                command: self.name.clone(),
                index: i + 1,
            })?;
            strings.push(text);
        }
        Ok(strings)
    }

    /// The body of a single-command request: `["ZADD","lb","10","alice"]`.
    pub(crate) fn to_json_body(&self) -> Result<Vec<u8>> {
        let strings = self.json_strings()?;
        Ok(serde_json::to_vec(&strings).expect("a list of strings always serializes"))
    }
}

/// The body of a `/pipeline` or `/multi-exec` request: `[["SET","k","v"],["INCR","k"]]`.
pub(crate) fn pipeline_json_body(commands: &[Command]) -> Result<Vec<u8>> {
    let all = commands
        .iter()
        .map(Command::json_strings)
        .collect::<Result<Vec<_>>>()?;
    Ok(serde_json::to_vec(&all).expect("lists of strings always serialize"))
}

impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        list.entry(&self.name);
        for arg in &self.args {
            list.entry(&String::from_utf8_lossy(arg));
        }
        list.finish()
    }
}

/// Something that can be a command argument. Integers and floats are sent as their decimal text,
/// which is how Redis reads numbers anyway.
pub trait Arg {
    /// The argument's bytes, or why it has none.
    fn into_arg(self) -> Result<Vec<u8>, &'static str>;
}

impl Arg for &str {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self.as_bytes().to_vec())
    }
}

impl Arg for String {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self.into_bytes())
    }
}

impl Arg for &String {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self.as_bytes().to_vec())
    }
}

impl Arg for &[u8] {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self.to_vec())
    }
}

impl<const N: usize> Arg for &[u8; N] {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self.to_vec())
    }
}

impl Arg for Vec<u8> {
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        Ok(self)
    }
}

macro_rules! integer_args {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn into_arg(self) -> Result<Vec<u8>, &'static str> {
                Ok(self.to_string().into_bytes())
            }
        }
    )*};
}

integer_args!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Arg for f64 {
    /// Rust's `Display` gives the shortest text that reads back as the same `f64` and never uses
    /// an exponent, so Redis parses exactly the score we meant. Infinities are refused because
    /// a leaderboard score must be finite; pass `"+inf"`/`"-inf"` as text for range bounds.
    fn into_arg(self) -> Result<Vec<u8>, &'static str> {
        if self.is_finite() {
            Ok(self.to_string().into_bytes())
        } else {
            Err("a float argument must be finite")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(cmd: &Command) -> String {
        String::from_utf8(cmd.to_json_body().unwrap()).unwrap()
    }

    #[test]
    fn builds_a_json_array_of_strings() {
        let cmd = Command::new("ZADD").arg("lb").arg(10).arg("alice");
        assert_eq!(body(&cmd), r#"["ZADD","lb","10","alice"]"#);
    }

    #[test]
    fn integers_and_floats_are_decimal_text() {
        let cmd = Command::new("X")
            .arg(-5i64)
            .arg(u64::MAX)
            .arg(1.5)
            .arg(10.0)
            .arg(-0.1)
            .arg(1e21)
            .arg(1.0 / 3.0);
        assert_eq!(
            body(&cmd),
            r#"["X","-5","18446744073709551615","1.5","10","-0.1","1000000000000000000000","0.3333333333333333"]"#
        );
    }

    #[test]
    fn floats_round_trip_through_their_text() {
        for x in [0.1, 1.0 / 3.0, 1e-300, f64::MAX, f64::MIN_POSITIVE, -2.5e17] {
            let bytes = x.into_arg().unwrap();
            let back: f64 = std::str::from_utf8(&bytes).unwrap().parse().unwrap();
            assert_eq!(back, x);
        }
    }

    #[test]
    fn non_finite_float_is_a_typed_error() {
        let cmd = Command::new("ZADD").arg("lb").arg(f64::NAN).arg("alice");
        match cmd.to_json_body() {
            Err(Error::InvalidArgument { command, index, .. }) => {
                assert_eq!(command, "ZADD");
                assert_eq!(index, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(Command::new("X").arg(f64::INFINITY).to_json_body().is_err());
    }

    #[test]
    fn escapes_json_and_keeps_unicode() {
        let cmd = Command::new("SET").arg("k\"\\\n").arg("🏆 é");
        let json = body(&cmd);
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ["SET", "k\"\\\n", "🏆 é"]);
    }

    #[test]
    fn utf8_bytes_are_sent_and_other_bytes_refused() {
        let ok = Command::new("SET").arg("k").arg(b"plain");
        assert_eq!(body(&ok), r#"["SET","k","plain"]"#);

        let bad = Command::new("SET").arg("k").arg(&[0xff, 0xfe][..]);
        match bad.to_json_body() {
            Err(Error::NonUtf8Argument { command, index }) => {
                assert_eq!(command, "SET");
                assert_eq!(index, 2);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn pipeline_body_nests_commands() {
        let cmds = [
            Command::new("SET").arg("k").arg("v"),
            Command::new("INCR").arg("k"),
        ];
        let json = String::from_utf8(pipeline_json_body(&cmds).unwrap()).unwrap();
        assert_eq!(json, r#"[["SET","k","v"],["INCR","k"]]"#);
        let bad = [Command::new("SET").arg("k").arg(vec![0x80])];
        assert!(matches!(
            pipeline_json_body(&bad),
            Err(Error::NonUtf8Argument { .. })
        ));
    }

    #[test]
    fn args_appends_many() {
        let cmd = Command::new("DEL").args(["a", "b"]);
        assert_eq!(cmd.arg_bytes(), [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(format!("{cmd:?}"), r#"["DEL", "a", "b"]"#);
    }
}
