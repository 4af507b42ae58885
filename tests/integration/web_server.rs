//! The web server in the background of a test, training with the tests' `train` binary.

use std::path::Path;

use integration_tests::workspace_root;

/// The web server running in the background on a free loopback port, serving the runs of
/// `artifacts`; stopped when dropped.
pub struct WebServer {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WebServer {
    pub fn start(artifacts: &Path) -> WebServer {
        Self::start_with(artifacts, web::Timeouts::default())
    }

    /// The server with other deadlines for slow clients.
    pub fn start_with(artifacts: &Path, timeouts: web::Timeouts) -> WebServer {
        Self::start_configured(artifacts, timeouts, true)
    }

    /// The server as `web` starts it on an address other than loopback without
    /// `--allow-training`: training from the page refused.
    pub fn start_without_training(artifacts: &Path) -> WebServer {
        Self::start_configured(artifacts, web::Timeouts::default(), false)
    }

    fn start_configured(artifacts: &Path, timeouts: web::Timeouts, training: bool) -> WebServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let url = format!("http://{}", listener.local_addr().expect("a bound port"));
        let device = mnist_model::device::parse_device("cpu").expect("the CPU device");
        let models = web::Models::new(artifacts.to_path_buf(), infer::shipped_model_dir(), device);
        let state = std::sync::Arc::new(
            web::AppState::new(artifacts.to_path_buf(), models)
                .with_timeouts(timeouts)
                .with_training(
                    workspace_root().join("configs"),
                    training,
                    web::TrainCommand::binary(crate::binary("train")),
                ),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio socket");
                let shutdown = async {
                    let _ = stopped.await;
                };
                web::serve(listener, state, shutdown)
                    .await
                    .expect("the server runs");
            });
        });
        WebServer {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
