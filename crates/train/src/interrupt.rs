//! Ctrl-C (SIGINT) and SIGTERM stop a training run cleanly: the current batch finishes, the
//! checkpoints of finished epochs stay, and the run says how to resume. A second signal ends
//! the process at once (exit status 130); the checkpoints on disk are whole either way, since
//! every file is written to a scratch name and renamed into place.

use std::sync::{Mutex, OnceLock};

use burn::train::Interrupter;

/// The interrupter of the training in progress, if any.
fn current() -> &'static Mutex<Option<Interrupter>> {
    static CURRENT: OnceLock<Mutex<Option<Interrupter>>> = OnceLock::new();
    CURRENT.get_or_init(|| Mutex::new(None))
}

/// Makes `interrupter` the one a signal stops (until [`clear`] or the next `register`).
pub fn register(interrupter: &Interrupter) {
    if let Ok(mut slot) = current().lock() {
        *slot = Some(interrupter.clone());
    }
}

/// No training in progress: a signal ends the process as usual.
pub fn clear() {
    if let Ok(mut slot) = current().lock() {
        *slot = None;
    }
}

/// The exit status of a run stopped by a signal (128 + SIGINT), as shells report Ctrl-C.
pub const INTERRUPTED_EXIT: u8 = 130;

/// Installs the signal watcher; call once, from a binary (not from library code or tests).
#[cfg(unix)]
pub fn install_signal_handler() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        let mut stopping = false;
        for signal in signals.forever() {
            let interrupter = current().lock().ok().and_then(|slot| slot.clone());
            match interrupter {
                Some(interrupter) if !stopping => {
                    stopping = true;
                    let name = if signal == SIGINT {
                        "Ctrl-C"
                    } else {
                        "SIGTERM"
                    };
                    eprintln!(
                        "\n{name}: stopping after this batch; finished epochs are checkpointed \
                         (press Ctrl-C again to quit at once)"
                    );
                    interrupter.stop(Some(name));
                }
                _ => std::process::exit(i32::from(INTERRUPTED_EXIT)),
            }
        }
    });
    Ok(())
}

/// Signals are left to their default behaviour where they cannot be watched.
#[cfg(not(unix))]
pub fn install_signal_handler() -> std::io::Result<()> {
    Ok(())
}
