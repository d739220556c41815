//! `c8y-mqtt`: the command-line tool of the SDK. This file owns the command line (clap) and
//! dispatches to one module per command: `send` (one message, acknowledged), `listen`
//! (operations and errors as they arrive, answered on request), `register` (bootstrap
//! registration) and `simulate` (many device sessions in one process; its emulator is in
//! `local_emulator`). The connection settings shared by every command are in `connection`.

mod connection;
mod listen;
mod local_emulator;
mod proc_stats;
mod register;
mod send;
mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// What every command returns when it fails: the message printed before exiting non-zero.
pub(crate) type Error = Box<dyn std::error::Error + Send + Sync>;

/// Cumulocity IoT over MQTT from the command line.
///
/// The connection comes from the same C8Y_* variables as the SDK's `Config::from_env`
/// (C8Y_HOST, C8Y_DEVICE_ID, C8Y_TENANT, C8Y_USER, C8Y_PASSWORD, ...); each flag below overrides
/// its variable.
#[derive(Debug, Parser)]
#[command(name = "c8y-mqtt", version)]
struct Cli {
    #[command(flatten)]
    connection: connection::ConnectionArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one measurement, event, alarm, static template line or raw payload and wait until
    /// the platform acknowledged it.
    Send(send::SendArgs),
    /// Print operations and errors as they arrive; answer operations on request.
    Listen(listen::ListenArgs),
    /// Bootstrap registration: wait until the device request is accepted, keep the credentials
    /// in a file (mode 0600).
    Register(register::RegisterArgs),
    /// Run many device sessions in this process, sending measurements at a total rate and
    /// answering operations; report throughput, losses, memory, CPU and latency.
    Simulate(simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Send(args) => send::run(&cli.connection, args),
        Command::Listen(args) => listen::run(&cli.connection, args),
        Command::Register(args) => register::run(&cli.connection, args),
        Command::Simulate(args) => simulate::run(&cli.connection, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("c8y-mqtt: {error}");
            ExitCode::FAILURE
        }
    }
}
