//! The connection loop: every connection served by hyper with a deadline for its request
//! headers, so that a client that connects and sends nothing (or half a request line) is
//! answered 408 and let go instead of holding a connection forever.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::state::Timeouts;

/// Serves `app` on `listener` until `shutdown` completes, then lets the connections in flight
/// finish their requests.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (closing, closed) = watch::channel(false);
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, app.clone(), timeouts, closed.clone()));
                }
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

/// One client's connection: its requests in turn, until it closes, times out, or the server
/// shuts down.
async fn connection(
    stream: TcpStream,
    app: Router,
    timeouts: Timeouts,
    mut closed: watch::Receiver<bool>,
) {
    // A second handle on the socket, to answer 408 when hyper gives up on the headers.
    let late_answer = stream.into_std().and_then(|s| Ok((s.try_clone()?, s)));
    let Ok((answer_to, stream)) = late_answer else {
        return;
    };
    let Ok(stream) = TcpStream::from_std(stream) else {
        return;
    };
    let served_any = Arc::new(AtomicBool::new(false));
    let counted = served_any.clone();
    let service = tower::ServiceBuilder::new()
        .map_request(move |request: axum::http::Request<Incoming>| {
            counted.store(true, Ordering::Relaxed);
            request
        })
        .service(app);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(timeouts.headers);
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    tokio::pin!(connection);
    let result = tokio::select! {
        result = connection.as_mut() => result,
        _ = closed.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    // Only a first request is answered: an idle kept-alive connection just closes.
    if let Err(e) = result {
        if e.is_timeout() && !served_any.load(Ordering::Relaxed) {
            answer_timeout(answer_to);
        }
    }
}

/// Writes a 408 with the API's one error shape, and closes the socket.
fn answer_timeout(mut socket: std::net::TcpStream) {
    let body = serde_json::json!({
        "error": "the request's headers did not arrive in time"
    })
    .to_string();
    let response = format!(
        "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = socket.write_all(response.as_bytes());
    let _ = socket.shutdown(std::net::Shutdown::Both);
}
