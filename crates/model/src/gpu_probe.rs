//! Whether a GPU device answers, asked once before any work, so that a machine without one
//! gets an error (or the CPU) instead of cubecl's panic.
//!
//! cubecl acquires the GPU on a device thread the first time the device is used, and panics
//! there if no adapter answers ("Unable to acquire wgpu device: AdapterUnavailable ..."); the
//! caller's thread then panics in turn on the closed channel. Both panics are caught here, with
//! a hook that keeps the first message instead of printing a backtrace at the user.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};

use burn::tensor::{Device, Tensor};

/// What is said when the backend panicked without a message.
const NO_MESSAGE: &str = "the GPU backend panicked";

/// Runs one tiny operation on `device` and reads it back; on failure, what the backend said.
pub(crate) fn answers(device: &Device) -> Result<(), String> {
    let first_message = Arc::new(Mutex::new(None::<String>));
    let kept = Arc::clone(&first_message);
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info.payload_as_str().unwrap_or(NO_MESSAGE).to_string();
        kept.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(text);
    }));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        Tensor::<1>::zeros([1], device).into_data()
    }));
    std::panic::set_hook(previous_hook);
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => Err(first_message
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| NO_MESSAGE.to_string())),
    }
}
