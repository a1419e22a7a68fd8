//! The wasmtime engine and its epoch ticker (Step 1).
//!
//! Execution is bounded in time by epoch interruption: compiled code checks the engine's epoch
//! at function entries and loop headers, and a store whose deadline (a number of ticks) has
//! passed traps with `Trap::Interrupt`. The [`EpochTicker`] thread advances the epoch every
//! [`EPOCH_TICK`]. It is shared (`Arc`) by the host and every block-building instance, and
//! stops when the last of them is dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Config, Engine, EngineWeak, OptLevel, Strategy};

use crate::config::{ExecutorParams, EPOCH_TICK};
use crate::error::InternalError;

/// Builds the engine of Step 1: cranelift at `OptLevel::Speed` with NaN canonicalization,
/// every non-deterministic or unneeded proposal off, the Wasm stack limit, epoch interruption,
/// no fuel.
pub(crate) fn new_engine(params: &ExecutorParams) -> Result<Engine, InternalError> {
    let mut config = Config::new();
    config
        .strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .cranelift_nan_canonicalization(true)
        // Relaxed SIMD first: wasmtime refuses relaxed SIMD without SIMD.
        .wasm_relaxed_simd(false)
        .wasm_simd(false)
        .wasm_memory64(false)
        .wasm_gc(false)
        .wasm_tail_call(false)
        .wasm_multi_memory(false)
        .wasm_stack_switching(false)
        .max_wasm_stack(params.max_wasm_stack_bytes)
        .epoch_interruption(true)
        .consume_fuel(false);
    // Threads and the component model are compiled out of our wasmtime build (the workspace
    // does not enable the `threads` and `component-model` features), so they cannot be on.
    Engine::new(&config).map_err(|e| InternalError::EngineCreation(format!("{e:#}")))
}

/// The number of epoch ticks of a timeout, rounded up: `ceil(timeout / EPOCH_TICK)`.
pub fn ticks_for(timeout: Duration) -> u64 {
    let tick = EPOCH_TICK.as_nanos();
    let ticks = timeout.as_nanos().div_ceil(tick);
    u64::try_from(ticks).unwrap_or(u64::MAX)
}

/// The thread that advances the engine's epoch every [`EPOCH_TICK`], and a counter of its ticks
/// that host functions read to notice a passed deadline during long native work.
#[derive(Debug)]
pub(crate) struct EpochTicker {
    ticks: Arc<AtomicU64>,
    /// Dropping the sender stops the thread.
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Starts the ticker of `engine`. The thread holds only a weak reference to the engine.
    pub(crate) fn start(engine: &Engine) -> Result<Arc<EpochTicker>, InternalError> {
        let ticks = Arc::new(AtomicU64::new(0));
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let weak = engine.weak();
        let thread_ticks = Arc::clone(&ticks);
        let thread = std::thread::Builder::new()
            .name("pvf-epoch-ticker".into())
            .spawn(move || tick_loop(&weak, &thread_ticks, &stop_rx))
            .map_err(|e| InternalError::ThreadSpawn {
                what: "epoch ticker",
                error: e.to_string(),
            })?;
        Ok(Arc::new(EpochTicker { ticks, stop: Some(stop_tx), thread: Some(thread) }))
    }

    /// A deadline `timeout` from now, in ticks.
    pub(crate) fn deadline(&self, timeout: Duration) -> Deadline {
        let ticks = ticks_for(timeout);
        Deadline {
            counter: Arc::clone(&self.ticks),
            ticks,
            at_tick: self.ticks.load(Ordering::Relaxed).saturating_add(ticks),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        // Disconnecting the channel wakes the thread, which then returns.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                tracing::error!(target: "pvf", "the epoch ticker thread panicked");
            }
        }
    }
}

/// The ticker's loop. Ticks are scheduled on absolute times (start + n * tick) so that they do
/// not drift by the loop's own overhead; the ticker is a clock, the one place besides
/// [`crate::ExecutionTimes`] that reads the clock (through [`crate::clock::now`]).
fn tick_loop(engine: &EngineWeak, ticks: &AtomicU64, stop: &mpsc::Receiver<()>) {
    let start = crate::clock::now();
    let tick_nanos = u64::try_from(EPOCH_TICK.as_nanos()).unwrap_or(u64::MAX);
    let mut n: u64 = 0;
    loop {
        n = n.saturating_add(1);
        // Unrepresentable only after centuries of ticking.
        let Some(target) = start.checked_add(Duration::from_nanos(tick_nanos.saturating_mul(n)))
        else {
            return;
        };
        let wait = target.saturating_duration_since(crate::clock::now());
        match stop.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // A message or a disconnected channel: the owner is gone.
            Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
        let Some(engine) = engine.upgrade() else { return };
        engine.increment_epoch();
        ticks.fetch_add(1, Ordering::Relaxed);
    }
}

/// A point in epoch ticks after which a call must stop.
#[derive(Clone, Debug)]
pub(crate) struct Deadline {
    counter: Arc<AtomicU64>,
    /// The timeout in ticks, for `Store::set_epoch_deadline`.
    pub(crate) ticks: u64,
    at_tick: u64,
}

impl Deadline {
    /// Whether the deadline has passed (checked by host functions between chunks of work).
    pub(crate) fn passed(&self) -> bool {
        self.counter.load(Ordering::Relaxed) >= self.at_tick
    }
}
