//! The docs cannot drift from the code: every command line in README.md and docs/ names a task
//! and flags that exist, every repository path they mention exists, and `docs/configs.md`
//! documents exactly the keys the config accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::binary;
use integration_tests::workspace_root;

/// README.md, CHANGELOG.md and every page of docs/, with their text.
fn pages() -> Vec<(PathBuf, String)> {
    let root = workspace_root();
    let mut files = vec![root.join("README.md"), root.join("CHANGELOG.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// The command lines of `text`: what follows `cargo xtask ` or `cargo run -p ` up to the end of
/// the command (a closing backtick, a shell comment, `&&`, `|` or the line's end), as
/// `(task or package, the words after it)`.
fn commands(text: &str) -> Vec<(String, String, Vec<String>)> {
    let mut found = Vec::new();
    for line in text.lines() {
        for (kind, marker) in [("xtask", "cargo xtask "), ("run", "cargo run -p ")] {
            for (at, _) in line.match_indices(marker) {
                let rest = &line[at + marker.len()..];
                let end = rest
                    .find(['`', '#', '|', ';', ')'])
                    .unwrap_or(rest.len())
                    .min(rest.find("&&").unwrap_or(rest.len()));
                let mut words = rest[..end].split_whitespace().map(str::to_string);
                let Some(name) = words.next() else { continue };
                if !name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                    continue; // prose such as `cargo xtask ...`
                }
                found.push((kind.to_string(), name, words.collect()));
            }
        }
    }
    found
}

/// The flags among a command's words (`--epochs`, not the `--` before a binary's arguments).
fn flags(words: &[String]) -> Vec<String> {
    words
        .iter()
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| w.split('=').next().unwrap_or(w).to_string())
        .collect()
}

/// What `binary --help` prints.
fn help(name: &str) -> String {
    let out = std::process::Command::new(binary(name))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{name} --help failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The problems with one command line: an unknown task or package, or a flag its `--help`
/// (or, for xtask's own tasks, xtask's usage) does not list.
fn command_problems(
    kind: &str,
    name: &str,
    words: &[String],
    helps: &mut BTreeMap<String, String>,
    xtask_source: &str,
) -> Vec<String> {
    const BINARIES: [&str; 7] = [
        "train", "eval", "report", "inspect", "export", "sweep", "runs",
    ];
    const PACKAGES: [&str; 2] = ["infer", "web"];
    let own_task = kind == "xtask" && xtask_source.contains(&format!("Some(\"{name}\")"));
    let checked_against = match kind {
        "xtask" if BINARIES.contains(&name) => helps
            .entry(name.to_string())
            .or_insert_with(|| help(name))
            .clone(),
        // The bench's flags are checked by its own tests (crates/bench/tests/docs_flags.rs).
        "xtask" if name == "bench" => return Vec::new(),
        "xtask" if own_task => xtask_source.to_string(),
        "run" if PACKAGES.contains(&name) => helps
            .entry(name.to_string())
            .or_insert_with(|| help(name))
            .clone(),
        _ => return vec![format!("`cargo {kind} {name}`: no such task or package")],
    };
    // `--features` is cargo's (and xtask's); after `cargo run -p P`, only words after `--` go
    // to the binary.
    let words: Vec<String> = match (kind, words.iter().position(|w| w == "--")) {
        ("run", Some(i)) => words[i + 1..].to_vec(),
        ("run", None) => Vec::new(),
        _ => words.to_vec(),
    };
    flags(&words)
        .into_iter()
        .filter(|f| f != "--features" && f != "--help")
        .filter(|f| {
            !checked_against.contains(&format!("{f} "))
                && !checked_against.contains(&format!("{f}\n"))
                && !checked_against.contains(&format!("{f}="))
                && !checked_against.contains(&format!("{f}]"))
        })
        .map(|f| format!("`{name}` has no flag {f}"))
        .collect()
}

#[test]
fn every_command_in_the_docs_names_a_task_and_flags_that_exist() {
    let xtask_source = std::fs::read_to_string(workspace_root().join("xtask/src/main.rs")).unwrap();
    let mut helps = BTreeMap::new();
    let mut problems = Vec::new();
    let mut seen = 0;
    for (page, text) in pages() {
        for (kind, name, words) in commands(&text) {
            seen += 1;
            for problem in command_problems(&kind, &name, &words, &mut helps, &xtask_source) {
                problems.push(format!("{}: {problem}", page.display()));
            }
        }
    }
    assert!(seen > 40, "only {seen} commands found: is the scan broken?");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_renamed_flag_or_task_is_caught() {
    let xtask_source = std::fs::read_to_string(workspace_root().join("xtask/src/main.rs")).unwrap();
    let mut helps = BTreeMap::new();
    let mut check = |line: &str| {
        let (kind, name, words) = commands(line).remove(0);
        command_problems(&kind, &name, &words, &mut helps, &xtask_source)
    };
    assert!(check("`cargo xtask train --config x.toml --epochs 3`").is_empty());
    assert_eq!(
        check("`cargo xtask train --config x.toml --epoch 3`"),
        ["`train` has no flag --epoch"]
    );
    assert_eq!(
        check("cargo run -p infer -- --shwo a.png"),
        ["`infer` has no flag --shwo"]
    );
    assert_eq!(
        check("cargo xtask trian --config x.toml"),
        ["`cargo xtask trian`: no such task or package"]
    );
    assert!(check("cargo xtask wgpu-smoke --fusion").is_empty());
    assert_eq!(
        check("cargo xtask wgpu-smoke --fast"),
        ["`wgpu-smoke` has no flag --fast"]
    );
}

/// The repository paths a page mentions: code spans and link targets that start with one of
/// the repository's top folders.
fn mentioned_paths(page: &Path, text: &str) -> Vec<PathBuf> {
    const TOP: [&str; 8] = [
        "crates/",
        "tests/",
        "configs/",
        "docs/",
        "bench/",
        "xtask/",
        ".ci/",
        "artifacts/shipped",
    ];
    let root = workspace_root();
    let mut paths = Vec::new();
    for span in text.split('`').skip(1).step_by(2) {
        for word in span.split_whitespace() {
            let word = word.trim_end_matches([',', '.', ':', ';', ')']);
            if TOP.iter().any(|t| word.starts_with(t)) && !word.contains(['*', '<', '{']) {
                paths.push(root.join(word));
            }
        }
    }
    let folder = page.parent().unwrap();
    for (at, _) in text.match_indices("](") {
        let target = &text[at + 2..];
        let target = &target[..target.find(')').unwrap_or(0)];
        let target = target.split('#').next().unwrap_or_default();
        if !target.is_empty() && !target.contains("://") {
            paths.push(folder.join(target));
        }
    }
    paths
}

#[test]
fn every_path_the_docs_mention_exists() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for (page, text) in pages() {
        for path in mentioned_paths(&page, &text) {
            seen += 1;
            if !path.exists() {
                missing.push(format!("{}: {}", page.display(), path.display()));
            }
        }
    }
    assert!(seen > 30, "only {seen} paths found: is the scan broken?");
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
    // A path that does not exist is caught.
    let page = workspace_root().join("docs/x.md");
    let made_up = mentioned_paths(
        &page,
        "see `crates/model/src/nowhere.rs` and [a](nowhere.md)",
    );
    assert_eq!(made_up.len(), 2);
    assert!(made_up.iter().all(|p| !p.exists()));
}

/// The keys `docs/configs.md` documents, by table (`""` for the top level).
fn documented_keys() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(workspace_root().join("docs/configs.md")).unwrap();
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut table = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            table = Some(if heading == "Top level" {
                String::new()
            } else {
                heading.trim_matches(['`', '[', ']']).to_string()
            });
        } else if let (Some(table), Some(row)) = (&table, line.strip_prefix("| `")) {
            let key = row.split('`').next().unwrap_or_default().to_string();
            keys.entry(table.clone()).or_default().insert(key);
        }
    }
    keys
}

/// The keys the config accepts in `table`, from the parser's own refusal of an unknown one.
fn accepted_keys(table: &str) -> BTreeSet<String> {
    let header = match table {
        "" => String::new(),
        "early_stopping" => "[early_stopping]\npatience = 1\n".to_string(),
        t => format!("[{t}]\n"),
    };
    let text = format!("{header}no_such_key = 1\n");
    let error = mnist_runs::RunConfig::parse(&text, Path::new("probe.toml"))
        .unwrap_err()
        .to_string();
    // serde: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, `c`".
    let list = error
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("[{table}]: no list of keys in {error}"));
    let list = list.lines().next().unwrap_or_default();
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[test]
fn configs_md_documents_exactly_the_keys_the_config_accepts() {
    let documented = documented_keys();
    let tables: BTreeSet<&str> = documented.keys().map(String::as_str).collect();
    assert!(
        tables.contains("data.augment") && tables.contains("optimizer"),
        "{tables:?}"
    );
    for (table, keys) in &documented {
        let mut accepted = accepted_keys(table);
        if table.is_empty() {
            // The top level's other fields are the tables, each documented under its heading.
            accepted.retain(|k| !tables.contains(k.as_str()));
        }
        assert_eq!(
            keys, &accepted,
            "docs/configs.md's [{table}] against what the config accepts"
        );
    }
    // Every table the config has is documented.
    let top = accepted_keys("");
    for table in [
        "data",
        "model",
        "train",
        "optimizer",
        "schedule",
        "early_stopping",
        "artifacts",
    ] {
        assert!(top.contains(table) && tables.contains(table), "{table}");
    }
}
