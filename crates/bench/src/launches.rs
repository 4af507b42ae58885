//! Kernel launches counted on a GPU, through cubecl's launch observer: how many kernels a
//! training step, a replayed step and an evaluation of the test images issue. On a GPU this small network
//! is launch-bound, so the count says where the time goes on any GPU, even where only Mesa's
//! software Vulkan is at hand.
//!
//! The count is process-wide (every launch the process issues while [`Counting`] lives) and
//! read as a running total, [`issued`]; the training loops note it at their phase and epoch
//! ends. Where nothing is counted (the CPU, or no [`Counting`] alive) it stays at zero.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Every launch issued while counting, in total.
static ISSUED: AtomicU64 = AtomicU64::new(0);
/// The same, by kernel name.
static BY_KERNEL: Mutex<BTreeMap<&'static str, u64>> = Mutex::new(BTreeMap::new());

/// Launches issued so far while counting (0 when nothing ever was).
pub fn issued() -> u64 {
    ISSUED.load(Ordering::Relaxed)
}

/// Launches issued so far by kernel name.
fn by_kernel() -> BTreeMap<&'static str, u64> {
    BY_KERNEL.lock().map(|m| m.clone()).unwrap_or_default()
}

/// The kernels launched between two snapshots of [`by_kernel`], most launched first.
fn launched_since(before: &BTreeMap<&'static str, u64>) -> Vec<(String, u64)> {
    let mut kernels: Vec<(String, u64)> = by_kernel()
        .into_iter()
        .map(|(name, n)| (short_name(name), n - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect();
    kernels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    kernels
}

/// A kernel's type name without its module paths: `burn_cubecl::kernel::matmul::Foo<f32>` ->
/// `Foo<f32>`.
fn short_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    for c in name.chars() {
        match c {
            ':' => segment.clear(),
            '<' | '>' | ',' | ' ' | '(' | ')' | '[' | ']' | ';' | '&' => {
                out.push_str(&segment);
                segment.clear();
                out.push(c);
            }
            _ => segment.push(c),
        }
    }
    out.push_str(&segment);
    out
}

/// Counts every kernel launch the process issues while it lives. Only a GPU build has
/// kernels to count; elsewhere starting it is an error.
#[must_use = "counting stops as soon as it is dropped"]
pub struct Counting {
    #[cfg(feature = "wgpu")]
    _observation: cubecl_runtime::logging::LaunchObservation,
}

#[cfg(feature = "wgpu")]
struct Counter;

#[cfg(feature = "wgpu")]
impl cubecl_runtime::logging::LaunchObserver for Counter {
    fn launched(&self, kernel: &'static str) {
        ISSUED.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut map) = BY_KERNEL.lock() {
            *map.entry(kernel).or_default() += 1;
        }
    }
}

impl Counting {
    #[cfg(feature = "wgpu")]
    pub fn start() -> anyhow::Result<Self> {
        Ok(Counting {
            _observation: cubecl_runtime::logging::LaunchObservation::new(std::sync::Arc::new(
                Counter,
            )),
        })
    }

    #[cfg(not(feature = "wgpu"))]
    pub fn start() -> anyhow::Result<Self> {
        anyhow::bail!(
            "counting kernel launches needs a GPU backend: build the bench with `--features wgpu` \
             and pass `--device wgpu`"
        )
    }

    /// Runs `work`, and gives what it returned with the kernels it launched, most launched
    /// first.
    pub fn kernels_of<T>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<(T, Vec<(String, u64)>)> {
        let before = by_kernel();
        let out = work()?;
        Ok((out, launched_since(&before)))
    }
}

#[cfg(test)]
mod tests {
    use super::short_name;

    #[test]
    fn a_kernel_is_named_without_its_module_paths() {
        assert_eq!(
            short_name("burn_cubecl::kernel::matmul::MatmulKernel<f32, cubecl_wgpu::Wgpu>"),
            "MatmulKernel<f32, Wgpu>"
        );
        assert_eq!(short_name("plain"), "plain");
    }
}
