//! The emulator of `simulate --emulator`: started in this process, on a runtime whose threads
//! have a file-descriptor table of their own.
//!
//! Every simulated session is one TCP connection, and with the emulator in the same process
//! both of its ends are descriptors of this process: 10 000 sessions would need 20 000 in one
//! table, which is at or over the hard open-file limit of many machines (and a container may
//! not raise it). On Linux the emulator's threads therefore leave the process's descriptor
//! table (`unshare(CLONE_FILES)`) before its runtime is built: the open-file limit applies to
//! each table, so the device side and the emulator side each need one descriptor per session.
//! The emulator's data is still shared memory, read directly through [`EmulatorHandle`].
//!
//! Because a descriptor number means something else in the other table, everything that opens
//! or closes the emulator's sockets runs on the emulator's own threads: its runtime is built,
//! started, shut down and dropped on the thread that unshared, never on a device thread.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use c8y_mqtt_emulator::{BlockingEmulator, EmulatorBuilder, EmulatorHandle};

use crate::Error;

/// A running emulator on threads with their own descriptor table.
pub(crate) struct LocalEmulator {
    emulator: Arc<BlockingEmulator>,
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
    /// Whether the emulator's threads have a descriptor table of their own.
    pub(crate) own_descriptor_table: bool,
}

impl LocalEmulator {
    /// Starts `builder`'s emulator on a thread that first leaves the process's descriptor
    /// table (Linux; elsewhere it shares the table).
    pub(crate) fn start(builder: EmulatorBuilder) -> Result<Self, Error> {
        let (started_tx, started) = mpsc::channel();
        let (stop, stop_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("c8y-emulator".into())
            .spawn(move || {
                let own = leave_descriptor_table();
                let emulator = match builder.start_blocking() {
                    Ok(emulator) => Arc::new(emulator),
                    Err(error) => {
                        let _ = started_tx.send(Err(error.to_string()));
                        return;
                    }
                };
                if started_tx.send(Ok((Arc::clone(&emulator), own))).is_err() {
                    return;
                }
                // Until the device side is done (or gone), then shut down here, on this table.
                let _ = stop_rx.recv();
                match Arc::try_unwrap(emulator) {
                    Ok(emulator) => emulator.shutdown(),
                    Err(_) => eprintln!("warning: the emulator is still in use at shutdown"),
                }
            })?;
        match started.recv() {
            Ok(Ok((emulator, own_descriptor_table))) => Ok(Self {
                emulator,
                stop,
                thread,
                own_descriptor_table,
            }),
            Ok(Err(error)) => {
                let _ = thread.join();
                Err(format!("the emulator did not start: {error}").into())
            }
            Err(_) => {
                let _ = thread.join();
                Err("the emulator's thread ended before it started".into())
            }
        }
    }

    /// The emulator's handle: its addresses and stored data (no descriptors are used).
    pub(crate) fn handle(&self) -> &EmulatorHandle {
        self.emulator.handle()
    }

    /// Stops the emulator on its own thread and waits for it.
    pub(crate) fn shutdown(self) {
        let Self {
            emulator,
            stop,
            thread,
            ..
        } = self;
        drop(emulator);
        let _ = stop.send(());
        let _ = thread.join();
    }
}

/// Gives the calling thread a descriptor table of its own (a copy; threads it starts later
/// share the copy). False where that is not available: the thread then keeps sharing.
fn leave_descriptor_table() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: unshare(2) with CLONE_FILES only copies the calling thread's descriptor table;
        // no memory is touched, and the thread opens nothing before the copy is made.
        unsafe { libc::unshare(libc::CLONE_FILES) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
