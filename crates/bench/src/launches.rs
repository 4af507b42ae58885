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
/// The same by kernel name, with the time of the timed ones.
static BY_KERNEL: Mutex<BTreeMap<&'static str, Tally>> = Mutex::new(BTreeMap::new());

/// One kernel's launches so far, and the time of those that were timed.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    launches: u64,
    timed: u64,
    seconds: f64,
    /// Whether every timing came from the device's own clock (timestamp queries), not the
    /// host's around a blocking submit.
    host_clock: bool,
}

/// A kernel's launches over a piece of work and, where they were timed, their time.
#[derive(Debug, Clone)]
pub struct KernelUse {
    /// Its type name, without module paths.
    pub kernel: String,
    pub launches: u64,
    /// The time of its launches, each run alone; `None` where they were not timed.
    pub seconds: Option<f64>,
    /// Whether some of that time came from the host's clock around a blocking submit (the
    /// device gave no timestamp), which includes the submit and the wait.
    pub host_clock: bool,
}

/// Launches issued so far while counting (0 when nothing ever was).
pub fn issued() -> u64 {
    ISSUED.load(Ordering::Relaxed)
}

/// Launches issued so far by kernel name.
fn by_kernel() -> BTreeMap<&'static str, Tally> {
    BY_KERNEL.lock().map(|m| m.clone()).unwrap_or_default()
}

/// The kernels launched since the snapshot `before` of [`by_kernel`], the most time (or,
/// untimed, the most launches) first.
fn launched_since(before: &BTreeMap<&'static str, Tally>) -> Vec<KernelUse> {
    let mut kernels: Vec<KernelUse> = by_kernel()
        .into_iter()
        .filter_map(|(name, now)| {
            let then = before.get(name).copied().unwrap_or_default();
            let launches = now.launches - then.launches;
            (launches > 0).then(|| KernelUse {
                kernel: short_name(name),
                launches,
                seconds: (now.timed > then.timed).then_some(now.seconds - then.seconds),
                host_clock: now.host_clock,
            })
        })
        .collect();
    kernels.sort_by(|a, b| {
        b.seconds
            .unwrap_or(0.0)
            .total_cmp(&a.seconds.unwrap_or(0.0))
            .then(b.launches.cmp(&a.launches))
            .then_with(|| a.kernel.cmp(&b.kernel))
    });
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

/// The launch observer: counts, and where `timed`, has each launch timed alone.
#[cfg(feature = "wgpu")]
struct Counter {
    timed: bool,
}

#[cfg(feature = "wgpu")]
impl cubecl_runtime::logging::LaunchObserver for Counter {
    fn launched(&self, kernel: &'static str) {
        ISSUED.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut map) = BY_KERNEL.lock() {
            map.entry(kernel).or_default().launches += 1;
        }
    }

    fn timing(&self) -> cubecl_runtime::logging::TimingRequest {
        use cubecl_runtime::logging::TimingRequest;
        if self.timed {
            TimingRequest::Resolved
        } else {
            TimingRequest::None
        }
    }

    fn timed(
        &self,
        kernel: &'static str,
        duration: cubecl_runtime::logging::Duration,
        method: cubecl_runtime::logging::TimingMethod,
    ) {
        if let Ok(mut map) = BY_KERNEL.lock() {
            let tally = map.entry(kernel).or_default();
            tally.timed += 1;
            tally.seconds += duration.as_secs_f64();
            tally.host_clock |= matches!(method, cubecl_runtime::logging::TimingMethod::System);
        }
    }
}

#[cfg(feature = "wgpu")]
fn observe(timed: bool) -> cubecl_runtime::logging::LaunchObservation {
    cubecl_runtime::logging::LaunchObservation::new(std::sync::Arc::new(Counter { timed }))
}

impl Counting {
    #[cfg(feature = "wgpu")]
    pub fn start() -> anyhow::Result<Self> {
        Ok(Counting {
            _observation: observe(false),
        })
    }

    #[cfg(not(feature = "wgpu"))]
    pub fn start() -> anyhow::Result<Self> {
        anyhow::bail!(
            "counting kernel launches needs a GPU backend: build the bench with `--features wgpu` \
             and pass `--device wgpu`"
        )
    }

    /// Runs `work`, and gives what it returned with the kernels it launched.
    pub fn kernels_of<T>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<(T, Vec<KernelUse>)> {
        let before = by_kernel();
        let out = work()?;
        Ok((out, launched_since(&before)))
    }

    /// As [`Counting::kernels_of`], each launch timed: the launch waits for its kernel to
    /// finish, so kernels run one at a time, and the time of each is its own, not the
    /// pipelined pass's.
    pub fn timed_kernels_of<T>(
        &self,
        work: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<(T, Vec<KernelUse>)> {
        #[cfg(feature = "wgpu")]
        let _timing = observe(true);
        self.kernels_of(work)
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
