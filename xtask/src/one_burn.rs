//! `cargo xtask one-burn`: every package builds the same Burn, and the same build of every
//! other crate, checked without building.
//!
//! Cargo compiles a crate once per set of features it is resolved with, its dependencies'
//! included. `cargo tree` prints that resolution for any selection of packages without
//! compiling anything, so the check compares, crate by crate, the features of everything in
//! Burn's dependency tree as `cargo test --workspace` resolves them and as building each
//! package alone does (a difference: building that package compiles Burn again), then the
//! same for every crate a package shares with the workspace (a difference: `cargo run -p web`
//! after `cargo test` recompiles tokio, say).

use std::collections::{BTreeSet, HashMap};

use anyhow::{bail, ensure, Context};

/// The package selections a user builds alone (`cargo build`'s arguments): each must resolve
/// Burn's tree as `cargo test --workspace` does.
const SELECTIONS: &[&[&str]] = &[
    &["-p", "infer"],
    &["-p", "mnist-train"],
    &["-p", "mnist-bench"],
    &["-p", "web"],
    &["--workspace"],
];

/// One crate as resolved: `name vX.Y.Z [(path)]`, then its features, comma-separated.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Node {
    package: String,
    features: String,
}

/// The crates of Burn's dependency tree (Burn included), with their features, from the output
/// of `cargo tree --prefix depth -f '{p} {f}'`. Repeated subtrees are printed once, marked
/// `(*)` elsewhere, so the graph is rebuilt from every line before it is walked.
fn burn_closure(tree: &str) -> anyhow::Result<BTreeSet<Node>> {
    let mut children: HashMap<Node, BTreeSet<Node>> = HashMap::new();
    let mut stack: Vec<Node> = Vec::new();
    for line in tree.lines().filter(|l| !l.trim().is_empty()) {
        let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        ensure!(
            digits > 0,
            "not a `cargo tree --prefix depth` line: {line:?}"
        );
        let depth: usize = line[..digits].parse()?;
        let node = parse_node(&line[digits..]);
        stack.truncate(depth);
        if let Some(parent) = stack.last() {
            children
                .entry(parent.clone())
                .or_default()
                .insert(node.clone());
        }
        children.entry(node.clone()).or_default();
        stack.push(node);
    }
    let mut seen = BTreeSet::new();
    let mut todo: Vec<Node> = children
        .keys()
        .filter(|n| n.package.starts_with("burn v"))
        .cloned()
        .collect();
    ensure!(!todo.is_empty(), "burn is not in the dependency tree");
    while let Some(node) = todo.pop() {
        if seen.insert(node.clone()) {
            todo.extend(children.get(&node).into_iter().flatten().cloned());
        }
    }
    Ok(seen)
}

/// `name vX.Y.Z [(path)] features[ (*)]`: the features are the last word (empty when none).
fn parse_node(text: &str) -> Node {
    let text = text.strip_suffix(" (*)").unwrap_or(text);
    let (package, features) = text.rsplit_once(' ').unwrap_or((text, ""));
    Node {
        package: package.to_string(),
        features: features.to_string(),
    }
}

/// Every crate of a `cargo tree --prefix depth` output, with its features.
fn every_node(tree: &str) -> BTreeSet<Node> {
    tree.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| parse_node(l.trim_start_matches(|c: char| c.is_ascii_digit())))
        .collect()
}

/// The crates of `other` resolved with features that `reference` never gives them.
fn shared_differences(reference: &BTreeSet<Node>, other: &BTreeSet<Node>) -> Vec<String> {
    other
        .iter()
        .filter(|n| !reference.contains(n))
        .map(|n| {
            let workspace: Vec<&str> = reference
                .iter()
                .filter(|r| r.package == n.package)
                .map(|r| r.features.as_str())
                .collect();
            format!(
                "  {} [{}], where cargo test --workspace gives [{}]",
                n.package,
                n.features,
                workspace.join("] or [")
            )
        })
        .collect()
}

/// Burn's tree as cargo resolves it for `selection` (dev-dependencies included or not), and
/// every crate of the resolution.
fn resolved(selection: &[&str], edges: &str) -> anyhow::Result<(BTreeSet<Node>, BTreeSet<Node>)> {
    let out = crate::cargo::command()
        .arg("tree")
        .args(selection)
        .args(["-e", edges, "--prefix", "depth", "-f", "{p} {f}"])
        .output()
        .context("cannot run cargo tree")?;
    if !out.status.success() {
        bail!(
            "cargo tree {} failed:\n{}",
            selection.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let tree = String::from_utf8_lossy(&out.stdout);
    let burn =
        burn_closure(&tree).with_context(|| format!("cargo tree {}", selection.join(" ")))?;
    Ok((burn, every_node(&tree)))
}

/// The lines that differ between two resolutions, each marked with the side it is on.
fn differences(reference: &BTreeSet<Node>, other: &BTreeSet<Node>) -> Vec<String> {
    let show = |mark: &str, n: &Node| format!("  {mark} {} [{}]", n.package, n.features);
    reference
        .difference(other)
        .map(|n| show("cargo test --workspace:", n))
        .chain(
            other
                .difference(reference)
                .map(|n| show("this build:            ", n)),
        )
        .collect()
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    ensure!(args.is_empty(), "one-burn takes no arguments");
    // `cargo test --workspace` resolves with the members' dev-dependencies; `cargo build` without.
    let (reference, everything) = resolved(&["--workspace"], "normal,build,dev")?;
    let mut failed = false;
    for selection in SELECTIONS {
        let (burn, all) = resolved(selection, "normal,build")?;
        let diff = differences(&reference, &burn);
        if !diff.is_empty() {
            failed = true;
            eprintln!(
                "cargo build {} would compile Burn again: its tree's features differ from \
                 cargo test --workspace's:\n{}",
                selection.join(" "),
                diff.join("\n")
            );
        }
        let diff = shared_differences(&everything, &all);
        if !diff.is_empty() {
            failed = true;
            eprintln!(
                "cargo build {} would compile these crates a second time:\n{}",
                selection.join(" "),
                diff.join("\n")
            );
        }
    }
    if failed {
        bail!("unify the differing crate features in crates/workspace-hack/Cargo.toml");
    }
    println!(
        "every package resolves Burn's {} crates, and every crate it shares with the \
         workspace, with the same features as cargo test --workspace",
        reference.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TREE: &str = "\
0infer v0.1.0 (/w/crates/infer) 
1anyhow v1.0.104 default,std
1burn v0.22.1 std,train
2burn-core v0.22.1 std
3serde v1.0.1 derive,std
2half v2.7.1 
1serde v1.0.1 derive,std (*)
1mnist-data v0.1.0 (/w/crates/data) 
2serde v1.0.1 derive,std (*)
";

    #[test]
    fn the_closure_holds_burn_and_its_dependencies_only() {
        let closure = burn_closure(TREE).unwrap();
        let names: Vec<&str> = closure.iter().map(|n| n.package.as_str()).collect();
        assert_eq!(
            names,
            [
                "burn v0.22.1",
                "burn-core v0.22.1",
                "half v2.7.1",
                "serde v1.0.1"
            ]
        );
        let half = closure.iter().find(|n| n.package == "half v2.7.1").unwrap();
        assert_eq!(half.features, "");
    }

    #[test]
    fn a_repeated_subtree_printed_elsewhere_first_still_counts() {
        // serde's dependency is printed under anyhow only; burn's serde line is marked (*).
        let tree = "\
0infer v0.1.0 (/w/crates/infer) 
1anyhow v1.0.104 default,std
2serde v1.0.1 std
3serde_core v1.0.1 std
1burn v0.22.1 std
2serde v1.0.1 std (*)
";
        let closure = burn_closure(tree).unwrap();
        assert!(closure.iter().any(|n| n.package == "serde_core v1.0.1"));
        assert!(!closure.iter().any(|n| n.package.starts_with("anyhow")));
    }

    #[test]
    fn a_feature_more_in_one_build_is_a_difference() {
        let reference = burn_closure(TREE).unwrap();
        let other =
            burn_closure(&TREE.replace("3serde v1.0.1 derive,std", "3serde v1.0.1 std")).unwrap();
        let diff = differences(&reference, &other);
        assert_eq!(diff.len(), 2, "{diff:?}");
        assert!(diff[0].contains("serde v1.0.1 [derive,std]"));
        assert!(diff[1].contains("serde v1.0.1 [std]"));
        assert!(differences(&reference, &reference).is_empty());
    }

    #[test]
    fn a_crate_shared_with_the_workspace_must_have_its_features() {
        let workspace = every_node(TREE);
        let alone =
            every_node(&TREE.replace("1anyhow v1.0.104 default,std", "1anyhow v1.0.104 std"));
        let diff = shared_differences(&workspace, &alone);
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert!(diff[0]
            .contains("anyhow v1.0.104 [std], where cargo test --workspace gives [default,std]"));
        // A package built alone holds fewer crates than the workspace: that is no difference.
        let fewer: BTreeSet<Node> = workspace
            .iter()
            .filter(|n| !n.package.starts_with("half"))
            .cloned()
            .collect();
        assert!(shared_differences(&workspace, &fewer).is_empty());
    }

    #[test]
    fn a_tree_without_burn_is_an_error() {
        assert!(burn_closure("0xtask v0.1.0 (/w/xtask) \n1anyhow v1 std\n").is_err());
        assert!(burn_closure("no depth here").is_err());
    }
}
