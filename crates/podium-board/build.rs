//! Composes the Lua scripts: each `lua/*.lua` with its `-- #include` lines replaced, written to
//! `OUT_DIR` for `src/script.rs` to embed. `-- #include lib/<name>.lua` stands for a file of
//! functions shared with other scripts or kept apart for reading; `-- #include protocol` for
//! the constants of `src/protocol.rs` (reply statuses, key and argument places), so the Lua
//! cannot disagree with the Rust that calls it. The composed text is what is hashed and sent.

use std::fs;
use std::path::Path;

#[allow(dead_code)]
mod protocol {
    include!("src/protocol.rs");
}

use protocol::{
    LUA_STRINGS, Layout, LimitArg, PeriodArg, PeriodKey, RegistryArg, RegistryKey, RegistryStatus,
    SlidingWindowKey, SubmitArg, SubmitKey, SubmitStatus, TokenBucketKey,
};

const INCLUDE: &str = "-- #include ";

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    println!("cargo:rerun-if-changed=src/protocol.rs");
    println!("cargo:rerun-if-changed=lua");
    let mut scripts: Vec<_> = fs::read_dir("lua")
        .expect("lua/")
        .map(|entry| entry.expect("lua/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "lua"))
        .collect();
    scripts.sort();
    for script in scripts {
        println!("cargo:rerun-if-changed={}", script.display());
        let composed = compose(&script);
        let name = script.file_name().expect("a file name");
        fs::write(Path::new(&out_dir).join(name), composed).expect("write the composed script");
    }
}

fn compose(script: &Path) -> String {
    let source = fs::read_to_string(script).expect("read a script");
    let mut composed = String::with_capacity(source.len());
    for line in source.lines() {
        match line.strip_prefix(INCLUDE) {
            Some("protocol") => composed.push_str(&lua_header()),
            Some(lib) if lib.starts_with("lib/") && lib.ends_with(".lua") => {
                let path = Path::new("lua").join(lib);
                println!("cargo:rerun-if-changed={}", path.display());
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
                composed.push_str(&text);
            }
            Some(other) => panic!("{}: unknown include {other:?}", script.display()),
            None => {
                composed.push_str(line);
                composed.push('\n');
            }
        }
    }
    composed
}

/// Every name the header defines, with its Lua value: `<TABLE>_<FIELD>` for each place of each
/// layout (1-based) and `<TABLE>_SIZE` for its length, `STATUS_<NAME>` for each reply status,
/// and the `LUA_STRINGS`. Plain locals rather than tables, so the script pays nothing for
/// reading its inputs by name.
fn lua_constants() -> Vec<(String, String)> {
    let mut constants = Vec::new();
    fn layout<L: Layout>(constants: &mut Vec<(String, String)>) {
        for (place, item) in (1..).zip(L::ALL) {
            let name = format!("{}_{}", L::LUA_TABLE, item.lua_field().to_uppercase());
            constants.push((name, place.to_string()));
        }
        constants.push((format!("{}_SIZE", L::LUA_TABLE), L::ALL.len().to_string()));
    }
    for status in SubmitStatus::ALL {
        let name = format!("STATUS_{}", status.lua_name());
        constants.push((name, (*status as i64).to_string()));
    }
    for status in RegistryStatus::ALL {
        let name = format!("REGISTRY_{}", status.lua_name());
        constants.push((name, (*status as i64).to_string()));
    }
    layout::<SubmitKey>(&mut constants);
    layout::<PeriodKey>(&mut constants);
    layout::<SlidingWindowKey>(&mut constants);
    layout::<TokenBucketKey>(&mut constants);
    layout::<SubmitArg>(&mut constants);
    layout::<PeriodArg>(&mut constants);
    layout::<LimitArg>(&mut constants);
    layout::<RegistryKey>(&mut constants);
    layout::<RegistryArg>(&mut constants);
    for (table, values) in LUA_STRINGS {
        for (field, value) in *values {
            let name = format!("{table}_{}", field.to_uppercase());
            constants.push((name, format!("'{value}'")));
        }
    }
    constants
}

/// The Lua that `-- #include protocol` stands for in a script: one `local` per constant.
fn lua_header() -> String {
    let mut lua = String::from("-- Generated from crates/podium-board/src/protocol.rs.\n");
    for (name, value) in lua_constants() {
        lua.push_str(&format!("local {name} = {value}\n"));
    }
    lua
}
