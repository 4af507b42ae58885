//! Items made one ahead on a thread of their own, while the caller works on the last one.
//!
//! On the CPU a training step leaves one of the cores idle for a good part of its time (the
//! parts of Burn's step that run on one thread); a batch made in that time costs the step
//! nothing. The thread holds at most one finished item, and stops when it is dropped.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

/// The items of an iterator, made one ahead on their own thread.
pub(crate) struct Prefetched<T> {
    /// `None` only while being dropped.
    receiver: Option<Receiver<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Prefetched<T> {
    /// Starts making `items` on a new thread; `Err` if the thread cannot start.
    pub(crate) fn spawn<I>(items: I) -> std::io::Result<Self>
    where
        I: Iterator<Item = T> + Send + 'static,
    {
        let (sender, receiver) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("batch-prefetch".to_string())
            .spawn(move || {
                for item in items {
                    if sender.send(item).is_err() {
                        break; // the consumer is gone
                    }
                }
            })?;
        Ok(Prefetched {
            receiver: Some(receiver),
            thread: Some(thread),
        })
    }
}

impl<T> Iterator for Prefetched<T> {
    type Item = T;

    /// The next item, waiting for it if it is not made yet; `None` after the last (or if
    /// the thread died, which it can only by a panic in the iterator it runs).
    fn next(&mut self) -> Option<T> {
        self.receiver.as_ref()?.recv().ok()
    }
}

impl<T> Drop for Prefetched<T> {
    /// Closes the channel, so that the thread stops after the item it is making, and waits
    /// for it (at most one item's time).
    fn drop(&mut self) {
        drop(self.receiver.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn yields_every_item_in_order() {
        let items: Vec<usize> = Prefetched::spawn(0..100).unwrap().collect();
        assert_eq!(items, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn stops_making_items_when_dropped() {
        let made = Arc::new(AtomicUsize::new(0));
        let counter = made.clone();
        let source = (0..1_000_000).inspect(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let mut prefetched = Prefetched::spawn(source).unwrap();
        assert_eq!(prefetched.next(), Some(0));
        // Time enough for an unbounded producer to run far ahead; a bounded one waits.
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(prefetched);
        // The one taken, one waiting in the channel and the one being sent when it closed.
        assert!(made.load(Ordering::SeqCst) <= 3, "{made:?}");
    }
}
