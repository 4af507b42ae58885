//! The `web` command line: where to listen, which runs to show, which device answers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use mnist_model::device::{choose_device, Workload};

use crate::{AppState, Models, TrainCommand};

/// Serve the burn-mnist page: draw digits and watch the network read them; browse runs and
/// watch training live.
#[derive(Debug, Parser)]
#[command(name = "web", bin_name = "web", version)]
pub struct WebArgs {
    /// Address to listen on (loopback only by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// The folder holding run folders (the one `train` writes to).
    #[arg(long)]
    pub artifacts_dir: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those
    /// features. The CPU by default, even in a GPU build: it answers for an image in a few
    /// milliseconds, less than a GPU takes to start.
    #[arg(long)]
    pub device: Option<String>,
    /// Let the page start training runs even though --addr is not a loopback address (anyone who
    /// can reach the server could then keep its CPU busy). On loopback it always may.
    #[arg(long)]
    pub allow_training: bool,
}

/// Runs the server until Ctrl-C.
pub fn run(args: &WebArgs) -> anyhow::Result<()> {
    let device = choose_device(args.device.as_deref(), Workload::Interactive)?
        .announce()
        .1;
    let artifacts = args
        .artifacts_dir
        .clone()
        .unwrap_or_else(|| mnist_data::workspace_root().join(mnist_model::ARTIFACTS_DIR));
    let models = Models::new(artifacts.clone(), infer::shipped_model_dir(), device);
    let training = args.allow_training || args.addr.ip().is_loopback();
    let state = Arc::new(AppState::new(artifacts.clone(), models).with_training(
        mnist_data::workspace_root().join("configs"),
        training,
        TrainCommand::find(&mnist_data::workspace_root()),
    ));

    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} (is another server using it? choose one with --addr)",
                    args.addr
                )
            })?;
        let addr = listener.local_addr()?;
        println!(
            "burn-mnist page: http://{addr}/  (runs from {}; Ctrl-C stops)",
            artifacts.display()
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        crate::serve(listener, state, shutdown)
            .await
            .context("the server stopped")
    })
}
