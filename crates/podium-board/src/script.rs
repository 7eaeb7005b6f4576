//! The Lua scripts, as `build.rs` composed them from `lua/*.lua` (with `lua/lib/` functions and
//! the `protocol` constants in place of their `-- #include` lines). Each runs with EVALSHA, and
//! EVAL only when the server has not cached it (`Client::evalsha_or_eval`), so a call is one
//! short request.

use std::sync::LazyLock;

use podium_redis::Script;

/// Declares each script once: its static, its accessor and its place in [`scripts`].
macro_rules! scripts {
    ($($(#[$doc:meta])* $accessor:ident => $file:literal),+ $(,)?) => {
        $(
            $(#[$doc])*
            pub fn $accessor() -> &'static Script {
                static SCRIPT: LazyLock<Script> = LazyLock::new(|| {
                    Script::new(include_str!(concat!(env!("OUT_DIR"), "/", $file)))
                });
                &SCRIPT
            }
        )+

        /// Every script this crate runs, for tests that must not miss one (the hash check).
        pub fn scripts() -> &'static [&'static Script] {
            static ALL: LazyLock<Vec<&'static Script>> =
                LazyLock::new(|| vec![$($accessor()),+]);
            &ALL
        }

        /// The `lua/` file of each script in [`scripts`], in the same order.
        #[cfg(test)]
        const FILES: &[&str] = &[$($file),+];
    };
}

scripts! {
    /// The score write: rate limits, policy on every period, tie-break member, name, expiry,
    /// ranks.
    submit_script => "submit.lua",
    /// A page of entries with names and the total (`top`, `around`).
    range_script => "range.lua",
    /// One player's rank, score, name and the total.
    player_script => "player.lua",
    /// A player removed from every period and the names hash.
    remove_script => "remove.lua",
    /// A board of the registry stored, replaced or removed if its version is the expected one,
    /// bumping the registry's version.
    registry_script => "registry.lua",
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::Path;

    use super::*;

    fn lua_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("lua")
    }

    #[test]
    fn every_script_in_lua_is_registered() {
        let mut on_disk: Vec<String> = std::fs::read_dir(lua_dir())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "lua"))
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut registered: Vec<String> = FILES.iter().map(|file| file.to_string()).collect();
        registered.sort();
        assert_eq!(on_disk, registered);
        assert_eq!(scripts().len(), FILES.len());
    }

    /// Every upper-case name in the Lua of `lua/` (scripts and `lib/`), as written.
    fn names_in_lua() -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        let mut files = vec![lua_dir()];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            // Code only: no comments, no text in quotes (the scripts quote with ').
            let code = source
                .lines()
                .map(|line| line.split("--").next().unwrap_or_default())
                .flat_map(|line| line.split('\'').step_by(2));
            for line in code {
                let words = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
                names.extend(
                    words
                        .filter(|word| word.starts_with(|c: char| c.is_ascii_uppercase()))
                        .filter(|word| !word.contains(|c: char| c.is_ascii_lowercase()))
                        .map(str::to_owned),
                );
            }
        }
        names
    }

    /// The names `-- #include protocol` defined in the composed submit script.
    fn protocol_constants() -> Vec<String> {
        let source = submit_script().source();
        let header = source
            .split_once("-- Generated from crates/podium-board/src/protocol.rs.\n")
            .expect("the protocol header")
            .1;
        header
            .lines()
            .map_while(|line| line.strip_prefix("local ")?.split_once(" = "))
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// The layout and statuses are written into the Lua from `protocol.rs`; this checks the
    /// other direction: the Lua reads every place the Rust defines, and no name the Rust does
    /// not. A field added, renamed or dropped on one side only fails here, before any server.
    #[test]
    fn the_lua_reads_exactly_the_protocol_constants() {
        let defined: BTreeSet<String> = protocol_constants().into_iter().collect();
        let used = names_in_lua();
        // Names of Lua itself or of the script's own constants, not of the protocol.
        let own = BTreeSet::from(["KEYS".to_owned(), "ARGV".to_owned(), "MAX_SAFE".to_owned()]);
        let unknown: Vec<&String> = used
            .difference(&defined)
            .filter(|n| !own.contains(*n))
            .collect();
        assert!(
            unknown.is_empty(),
            "the Lua reads names protocol.rs does not define: {unknown:?}"
        );
        let unused: Vec<&String> = defined.difference(&used).collect();
        assert!(
            unused.is_empty(),
            "protocol.rs defines names no script reads: {unused:?}"
        );
    }

    #[test]
    fn the_submit_script_is_composed_with_the_protocol_and_its_functions() {
        let source = submit_script().source();
        assert!(
            !source.lines().any(|line| line.starts_with("-- #include ")),
            "every include was replaced"
        );
        for function in [
            "local function sliding_window_check(",
            "local function token_bucket_check(",
            "local function most_restrictive(",
            "local function tiebreak_member(",
            "local STATUS_RATE_LIMITED = 0\n",
            "local ARG_NOW_MS = 1\n",
        ] {
            assert!(source.contains(function), "{function}");
        }
    }
}
