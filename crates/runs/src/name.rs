//! The one run-name rule.

use std::path::Path;

/// The one run-name rule, for the names `train` gives run folders and the names the page and
/// `runs` accept: letters, digits, `-`, `_` and `.`, not first. Such a name can only mean a
/// folder directly inside the artifacts folder (no separators, not `.`, `..` or hidden).
pub fn is_plain_run_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && Path::new(name).components().count() == 1
}
