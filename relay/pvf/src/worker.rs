//! [`ExecutionWorker`]: the long-lived thread validations run on (Step 4). A validation needs
//! a thread whose stack is known to be larger than the guest's limit; spawning one per call
//! maps and unmaps that stack every time, which costs more than a small block's execution
//! (and, on a busy machine, cross-CPU TLB flushes). One worker thread is kept; a caller that
//! finds it busy (another thread is validating) gets a one-off thread as before.

use std::sync::mpsc;
use std::sync::Mutex;

use crate::error::InternalError;
use crate::execute::on_execution_thread;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The worker thread's inbox and handle.
struct Running {
    jobs: mpsc::Sender<Job>,
    thread: std::thread::JoinHandle<()>,
}

/// The worker: started on first use, restarted if a job ever panics, joined when dropped (so
/// that a dropped host leaves no thread behind).
pub(crate) struct ExecutionWorker {
    stack_size: usize,
    running: Mutex<Option<Running>>,
}

impl Drop for ExecutionWorker {
    fn drop(&mut self) {
        let running =
            self.running.get_mut().map(Option::take).unwrap_or_else(|e| e.into_inner().take());
        if let Some(Running { jobs, thread }) = running {
            // Closing the inbox ends the thread's loop.
            drop(jobs);
            let _ = thread.join();
        }
    }
}

impl ExecutionWorker {
    /// A worker whose thread gets `stack_size` bytes of stack.
    pub(crate) fn new(stack_size: usize) -> Self {
        ExecutionWorker { stack_size, running: Mutex::new(None) }
    }

    /// Runs `f` on the worker thread and waits for its result; on a one-off thread if the
    /// worker is busy with another caller's job.
    pub(crate) fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, InternalError> {
        let Ok(mut running) = self.running.try_lock() else {
            return on_execution_thread(self.stack_size, f);
        };
        if running.is_none() {
            *running = Some(self.spawn()?);
        }
        let Some(sender) = running.as_ref().map(|r| &r.jobs) else {
            return Err(InternalError::Invariant("the worker was just started"));
        };
        let (reply, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            // The caller waits on `result`; if it is gone there is nobody to tell.
            let _ = reply.send(f());
        });
        if sender.send(job).is_err() {
            *running = None;
            return Err(InternalError::ThreadPanicked { what: "execution worker" });
        }
        match result.recv() {
            Ok(r) => Ok(r),
            Err(_) => {
                // The job panicked and took the thread with it: start afresh next time.
                *running = None;
                Err(InternalError::ThreadPanicked { what: "execution worker" })
            }
        }
    }

    fn spawn(&self) -> Result<Running, InternalError> {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("pvf-execute".into())
            .stack_size(self.stack_size)
            .spawn(move || {
                while let Ok(job) = receiver.recv() {
                    job();
                }
            })
            .map_err(|e| InternalError::ThreadSpawn { what: "execution", error: e.to_string() })?;
        Ok(Running { jobs, thread })
    }
}
