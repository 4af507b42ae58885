//! Every `cargo xtask bench ...` command in README.md and docs/ uses flags the bench has (the
//! workspace's docs test checks every other command; this one needs the bench binary).

use mnist_data::workspace_root;

/// The words after each `cargo xtask bench` in the docs, up to the command's end.
fn bench_commands() -> Vec<(String, Vec<String>)> {
    let root = workspace_root();
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    let mut found = Vec::new();
    for page in pages {
        let text = std::fs::read_to_string(&page).unwrap();
        for line in text.lines() {
            for (at, marker) in line.match_indices("cargo xtask bench") {
                let rest = &line[at + marker.len()..];
                let end = rest.find(['`', '#', '|', ';', ')']).unwrap_or(rest.len());
                let words = rest[..end].split_whitespace().map(str::to_string).collect();
                found.push((page.display().to_string(), words));
            }
        }
    }
    found
}

#[test]
fn the_docs_bench_commands_use_flags_the_bench_has() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    let commands = bench_commands();
    assert!(
        commands.len() >= 3,
        "only {} bench commands found",
        commands.len()
    );
    let mut problems = Vec::new();
    for (page, words) in &commands {
        for flag in words.iter().filter(|w| w.starts_with("--") && w.len() > 2) {
            let flag = flag.split('=').next().unwrap_or(flag);
            // --features is xtask's: it chooses the backends the bench is built with.
            let known = flag == "--features"
                || [" ", "\n", "=", "]"]
                    .iter()
                    .any(|end| help.contains(&format!("{flag}{end}")));
            if !known {
                problems.push(format!("{page}: `bench` has no flag {flag}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
