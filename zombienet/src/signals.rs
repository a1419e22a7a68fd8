//! Ctrl-C (SIGINT), SIGTERM and SIGHUP as a flag: the binary's waits check it, return, and the
//! network handle is dropped, which stops every process.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A flag set when the process receives SIGINT, SIGTERM or SIGHUP (watched by a small thread
/// with its own single-threaded tokio runtime). `None` if the handlers cannot be installed.
pub fn stop_flag() -> Option<Arc<AtomicBool>> {
    use tokio::signal::unix::{signal, SignalKind};
    let flag = Arc::new(AtomicBool::new(false));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
    // Installed here, before this function returns, so no signal is missed afterwards.
    let (mut int, mut term, mut hup) = rt.block_on(async {
        Some((
            signal(SignalKind::interrupt()).ok()?,
            signal(SignalKind::terminate()).ok()?,
            signal(SignalKind::hangup()).ok()?,
        ))
    })?;
    let set = flag.clone();
    std::thread::Builder::new()
        .name("zombienet-signals".into())
        .spawn(move || {
            rt.block_on(async {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                    _ = hup.recv() => {}
                }
            });
            set.store(true, Ordering::SeqCst);
        })
        .ok()?;
    Some(flag)
}
