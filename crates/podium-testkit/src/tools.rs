//! Where the server binaries are, found exactly as the node harness finds them
//! (`scripts/lib/tools.mjs`): both read the tool table `scripts/lib/tools.json` and the paths
//! file the bootstrap writes, with the same overrides, in the same order. A tool's path is the
//! first of:
//!
//! 1. its environment variable (`PODIUM_VALKEY_SERVER`, `PODIUM_VALKEY9_SERVER`,
//!    `PODIUM_REDIS_SERVER`), when set and not empty; it must be an executable file, or the
//!    lookup fails rather than run another server;
//! 2. the path `scripts/bootstrap.sh` recorded in the paths file (`$PODIUM_TOOLS_PATHS`,
//!    default `<repo>/.tools/paths.json`), while that is still executable;
//! 3. the first executable of that name on `PATH`;
//! 4. its fallbacks in `tools.json` (relative ones under the repository root): the Valkey the
//!    bootstrap installs under `.tools/`, Debian's `/usr/bin/redis-server`.
//!
//! `tests/tools/tool-paths.json` holds cases both implementations must answer alike: the unit
//! tests below and `tests/tools/paths.test.mjs` read it.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The tool table shared with `scripts/lib/tools.mjs`.
const TOOLS_JSON: &str = include_str!("../../../scripts/lib/tools.json");

/// What a lookup may see: passed in whole, so that the shared cases run without touching the
/// environment or the file system.
struct Lookup<'a> {
    env: &'a dyn Fn(&str) -> Option<OsString>,
    recorded: Option<&'a HashMap<String, PathBuf>>,
    path_dirs: &'a [PathBuf],
    root: &'a Path,
    is_executable: &'a dyn Fn(&Path) -> bool,
}

/// The path of `name` (a key of `tools.json`), in the order of the module documentation.
pub(crate) fn tool_path(name: &str) -> Result<PathBuf, String> {
    let root = workspace_root();
    let recorded = read_recorded(&paths_file(&root));
    let path_dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect())
        .unwrap_or_default();
    resolve(
        name,
        &Lookup {
            env: &|var| std::env::var_os(var),
            recorded: recorded.as_ref(),
            path_dirs: &path_dirs,
            root: &root,
            is_executable: &is_executable_file,
        },
    )
}

fn resolve(name: &str, lookup: &Lookup<'_>) -> Result<PathBuf, String> {
    let tools: serde_json::Value =
        serde_json::from_str(TOOLS_JSON).expect("scripts/lib/tools.json is valid JSON");
    let tool = tools["tools"]
        .get(name)
        .ok_or_else(|| format!("unknown tool {name:?}"))?;
    let env_var = tool["env"].as_str();
    if let Some(var) = env_var
        && let Some(value) = (lookup.env)(var).filter(|value| !value.is_empty())
    {
        let path = PathBuf::from(value);
        if !(lookup.is_executable)(&path) {
            return Err(format!(
                "{var}={} is not an executable file",
                path.display()
            ));
        }
        return Ok(path);
    }
    if let Some(path) = lookup.recorded.and_then(|recorded| recorded.get(name))
        && (lookup.is_executable)(path)
    {
        return Ok(path.clone());
    }
    let on_path = lookup
        .path_dirs
        .iter()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name));
    let fallbacks: Vec<&str> = tool["fallbacks"]
        .as_array()
        .map(|list| list.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let bundled = fallbacks.iter().map(|fallback| lookup.root.join(fallback));
    if let Some(path) = on_path
        .chain(bundled)
        .find(|path| (lookup.is_executable)(path))
    {
        return Ok(path);
    }
    Err(format!(
        "{name} not found: {}{}, not on PATH, and none of {} exists (run scripts/bootstrap.sh)",
        env_var
            .map(|var| format!("{var} unset, "))
            .unwrap_or_default(),
        if lookup.recorded.is_some() {
            "not in the paths file"
        } else {
            "no paths file"
        },
        fallbacks.join(", "),
    ))
}

/// `$PODIUM_TOOLS_PATHS` (relative to the repository root), else `<repo>/.tools/paths.json`.
fn paths_file(root: &Path) -> PathBuf {
    match std::env::var_os("PODIUM_TOOLS_PATHS").filter(|value| !value.is_empty()) {
        Some(file) => root.join(file),
        None => root.join(".tools/paths.json"),
    }
}

/// The recorded paths, or `None` when there is no readable paths file.
fn read_recorded(file: &Path) -> Option<HashMap<String, PathBuf>> {
    let text = std::fs::read_to_string(file).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let tools = value.get("tools")?.as_object()?;
    Some(
        tools
            .iter()
            .filter_map(|(name, path)| Some((name.clone(), PathBuf::from(path.as_str()?))))
            .collect(),
    )
}

/// Any execute bit on a regular file: what spawning needs (the same test as `tools.mjs`).
fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

pub(crate) fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    use super::{Lookup, read_recorded, resolve};

    const CASES: &str = include_str!("../../../tests/tools/tool-paths.json");

    fn strings(value: &serde_json::Value) -> Vec<String> {
        value
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|item| item.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn map(value: &serde_json::Value) -> Option<HashMap<String, String>> {
        value.as_object().map(|object| {
            object
                .iter()
                .filter_map(|(key, item)| Some((key.clone(), item.as_str()?.to_owned())))
                .collect()
        })
    }

    /// The same cases as `tests/tools/paths.test.mjs`, with the same answers.
    #[test]
    fn answers_the_shared_cases_like_the_node_harness() {
        let cases: serde_json::Value = serde_json::from_str(CASES).expect("valid cases");
        let cases = cases["cases"].as_array().expect("a list of cases");
        assert!(!cases.is_empty());
        for case in cases {
            let name = case["name"].as_str().expect("a name");
            let env = map(&case["env"]).unwrap_or_default();
            let recorded: Option<HashMap<String, PathBuf>> = map(&case["recorded"]).map(|m| {
                m.into_iter()
                    .map(|(tool, path)| (tool, PathBuf::from(path)))
                    .collect()
            });
            let path_dirs: Vec<PathBuf> = strings(&case["path"])
                .into_iter()
                .map(PathBuf::from)
                .collect();
            let executables: HashSet<PathBuf> = strings(&case["executables"])
                .into_iter()
                .map(PathBuf::from)
                .collect();
            let found = resolve(
                case["tool"].as_str().expect("a tool"),
                &Lookup {
                    env: &|var| env.get(var).map(OsString::from),
                    recorded: recorded.as_ref(),
                    path_dirs: &path_dirs,
                    root: Path::new("/repo"),
                    is_executable: &|path| executables.contains(path),
                },
            );
            match case["expect"].as_str() {
                Some(expected) => assert_eq!(found, Ok(PathBuf::from(expected)), "{name}"),
                None => assert!(found.is_err(), "{name}: expected a failure, got {found:?}"),
            }
        }
    }

    #[test]
    fn a_paths_file_that_is_not_json_counts_as_none() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("paths.json");
        std::fs::write(&file, "not json").expect("write");
        assert_eq!(read_recorded(&file), None);
        std::fs::write(&file, r#"{"tools": {"valkey-server": "/v/valkey-server"}}"#)
            .expect("write");
        assert_eq!(
            read_recorded(&file),
            Some(HashMap::from([(
                "valkey-server".to_owned(),
                PathBuf::from("/v/valkey-server")
            )]))
        );
    }
}
