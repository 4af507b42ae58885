//! `cargo xtask fetch-data`: download the four IDX files (see `mnist-fetch`) into `data/<set>`.

use std::path::PathBuf;

use anyhow::{bail, Context};

pub fn fetch_data(args: &[String]) -> anyhow::Result<()> {
    let mut dataset = "mnist".to_string();
    let mut dir: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dataset" => dataset = it.next().context("--dataset needs a value")?.clone(),
            "--dir" => dir = Some(it.next().context("--dir needs a value")?.into()),
            other => bail!("fetch-data: unknown argument {other:?}"),
        }
    }
    let source = mnist_fetch::source(&dataset)?;
    let dir = dir.unwrap_or_else(|| crate::workspace_root().join("data").join(source.dataset));
    mnist_fetch::fetch(source, &dir, &mut |line| println!("{line}")).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nIf this machine is offline, copy the four files ({}) into {} by hand, or point \
             --data-dir (or MNIST_DIR) at a folder holding them.",
            source.files.map(|(n, _)| n).join(", "),
            dir.display()
        )
    })?;
    println!("{} is ready in {}", source.dataset, dir.display());
    Ok(())
}
