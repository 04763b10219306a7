//! A request body sent while the worker is still producing it (a `fetch()` whose body is a
//! ReadableStream, through HttpOutbound). The worker hands over one piece at a time; the channel
//! between it and the connection holds one piece, so a write waits until the connection took the
//! last one and a slow server slows the worker's stream instead of filling memory.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame};
use tokio::sync::mpsc;

/// Why a streamed request body ended early: the worker's stream failed or was abandoned.
#[derive(Debug)]
pub struct UploadFailed(pub String);

impl std::fmt::Display for UploadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UploadFailed {}

type Piece = Result<Bytes, UploadFailed>;

/// The worker's end: `send` waits for room; dropping it ends the body.
#[derive(Clone, Debug)]
pub struct UploadSender(mpsc::Sender<Piece>);

/// The connection's end, a request body that yields the worker's pieces in order.
#[derive(Debug)]
pub struct Upload(mpsc::Receiver<Piece>);

pub fn upload() -> (UploadSender, Upload) {
    let (tx, rx) = mpsc::channel(1);
    (UploadSender(tx), Upload(rx))
}

impl UploadSender {
    /// False once the request is over (sent, failed, or never made): nothing more is wanted.
    pub async fn send(&self, piece: Vec<u8>) -> bool {
        self.0.send(Ok(Bytes::from(piece))).await.is_ok()
    }

    /// Ends the body with an error, so the request fails instead of looking complete.
    pub async fn fail(self, reason: String) {
        let _ = self.0.send(Err(UploadFailed(reason))).await;
    }
}

impl Body for Upload {
    type Data = Bytes;
    type Error = UploadFailed;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, UploadFailed>>> {
        self.0.poll_recv(cx).map(|piece| piece.map(|p| p.map(Frame::data)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
    }

    #[test]
    fn pieces_arrive_in_order_and_the_body_ends_when_the_sender_is_dropped() {
        block_on(async {
            let (tx, mut body) = upload();
            let writer = tokio::spawn(async move {
                for i in 0..5u8 {
                    assert!(tx.send(vec![i; 3]).await);
                }
            });
            let mut got = Vec::new();
            while let Some(frame) = body.frame().await {
                got.extend_from_slice(&frame.unwrap().into_data().unwrap());
            }
            writer.await.unwrap();
            assert_eq!(got, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
        });
    }

    #[test]
    fn a_write_waits_while_the_connection_has_not_taken_the_last_piece() {
        block_on(async {
            let (tx, body) = upload();
            assert!(tx.send(vec![1]).await);
            let second = tokio::time::timeout(std::time::Duration::from_millis(50), tx.send(vec![2]));
            assert!(second.await.is_err(), "the channel holds one piece");
            drop(body);
            assert!(!tx.send(vec![3]).await, "a finished request wants nothing more");
        });
    }

    #[test]
    fn a_failed_stream_fails_the_body() {
        block_on(async {
            let (tx, mut body) = upload();
            tokio::spawn(tx.fail("boom".into()));
            let frame = body.frame().await.unwrap();
            assert_eq!(frame.unwrap_err().to_string(), "boom");
        });
    }
}
