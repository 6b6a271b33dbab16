//! The sandbox's connections: HTTP/1.1 keep-alive with the limits a real
//! front end has, and the answers hyper gives itself (a request head too
//! large, a URI too long, a head that does not parse) in the API's JSON
//! error shape, like every other error.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Serves each connection with HTTP/1.1 keep-alive, but drops one that
/// sends no complete request head within `idle` (a half-sent request, or a
/// kept-alive connection left unused), and never holds more than
/// [`MAX_CONNECTIONS`]: a client that opens hundreds and sends nothing
/// cannot lock the others out or grow the sandbox's memory.
pub(super) async fn serve(listener: tokio::net::TcpListener, app: axum::Router, idle: Duration) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "sandbox accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(idle)
                .keep_alive(true)
                .serve_connection(
                    JsonHeadErrors {
                        inner: TokioIo::new(stream),
                        rewrite: None,
                    },
                    service,
                );
            let _ = conn.await;
            drop(permit);
        });
    }
}

/// The most connections the sandbox serves at once.
pub const MAX_CONNECTIONS: usize = 512;

/// A connection whose bare error answers from hyper (400, 414 or 431 with
/// an empty body: the request never reached the router) are rewritten
/// as `{"statusCode", "message", "error"}`.
struct JsonHeadErrors<T> {
    inner: T,
    /// The rewritten answer being written, and how much of it is out.
    rewrite: Option<(Vec<u8>, usize)>,
}

impl<T: hyper::rt::Read + Unpin> hyper::rt::Read for JsonHeadErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: hyper::rt::Write + Unpin> hyper::rt::Write for JsonHeadErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.rewrite.is_none()
            && let Some(answer) = framework_error(buf)
        {
            self.rewrite = Some((answer, 0));
        }
        let this = &mut *self;
        let Some((answer, sent)) = &mut this.rewrite else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        while *sent < answer.len() {
            match Pin::new(&mut this.inner).poll_write(cx, &answer[*sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Ok(0)),
                Poll::Ready(Ok(n)) => *sent += n,
                other => return other,
            }
        }
        // Hyper closes the connection after such an answer; anything it
        // still writes is the bare answer being retried: swallow it.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // One buffer per write, so an answer is never split across a vector.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// The JSON answer to write instead of `head`, when `head` is one of
/// hyper's own bodiless error answers. The router's answers always carry
/// a JSON body (see `http::json_errors`), so an empty 400, 414 or 431 can
/// only be hyper's.
fn framework_error(head: &[u8]) -> Option<Vec<u8>> {
    // Cheap first: only a 4xx head can be one.
    if !head.starts_with(b"HTTP/1.1 4") {
        return None;
    }
    let text = std::str::from_utf8(head).ok()?;
    let status: u16 = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let (message, error) = match status {
        400 => ("The request could not be parsed", "Bad Request"),
        414 => ("The request URI is too long", "URI Too Long"),
        431 => (
            "The request headers are too large (at most 100 headers)",
            "Request Header Fields Too Large",
        ),
        _ => return None,
    };
    let (head, _) = text.split_once("\r\n\r\n")?;
    let bodiless = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("content-length: 0"));
    if !bodiless {
        return None;
    }
    let body =
        serde_json::json!({"statusCode": status, "message": message, "error": error}).to_string();
    Some(
        format!(
            "HTTP/1.1 {status} {error}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_framework_errors_are_rewritten() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(framework_error(bare).unwrap()).unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["statusCode"], 431);
        // The router's own JSON errors, and successes, pass untouched.
        assert!(
            framework_error(b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 52\r\n\r\n{}").is_none()
        );
        assert!(framework_error(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
        assert!(framework_error(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
