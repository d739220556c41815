//! What `simulate` measures about its own process: resident memory (`VmRSS` in
//! `/proc/self/status`), CPU time (utime + stime in `/proc/self/stat`), and the open-file
//! limit it raises so that one process holds thousands of sessions (one socket each).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::process::Command;

/// `/proc/self/status` and `/proc/self/stat`, opened once and read again from the start for
/// each figure (procfs gives the current values on every read).
pub(crate) struct ProcFiles {
    status: Option<File>,
    stat: Option<File>,
}

impl ProcFiles {
    /// Opens both files; a missing one (no procfs) gives `None` figures.
    pub(crate) fn open() -> Self {
        Self {
            status: File::open("/proc/self/status").ok(),
            stat: File::open("/proc/self/stat").ok(),
        }
    }

    /// Resident memory of this process in KiB.
    pub(crate) fn rss_kib(&self) -> Option<u64> {
        let status = read_again(self.status.as_ref()?)?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// CPU time of this process (user + system) in clock ticks.
    pub(crate) fn cpu_ticks(&self) -> Option<u64> {
        let stat = read_again(self.stat.as_ref()?)?;
        // The fields after the command name (which ends at the last ')'): state is the first,
        // utime the twelfth, stime the thirteenth (fields 3, 14 and 15 of proc(5)).
        let (_, rest) = stat.rsplit_once(')')?;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        Some(utime + stime)
    }
}

/// The whole file, read from its start.
fn read_again(mut file: &File) -> Option<String> {
    file.seek(SeekFrom::Start(0)).ok()?;
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    Some(text)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
pub(crate) fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Raises the soft open-file limit to the hard limit, after raising the hard limit to `needed`
/// where the process may (root, `CAP_SYS_RESOURCE`); returns the limit now in force.
pub(crate) fn raise_open_files_limit(needed: u64) -> std::io::Result<u64> {
    let (_, hard) = rlimit::Resource::NOFILE.get()?;
    if hard < needed {
        // Without the privilege this fails and the hard limit stays: the caller warns.
        let _ = rlimit::Resource::NOFILE.set(needed, needed);
    }
    rlimit::increase_nofile_limit(u64::MAX)
}
