//! Home of the project's examples: `examples/rust/*.rs` (run with
//! `cargo run -p c8y-mqtt-examples --example <name>`), `examples/c/`, `examples/python/`.
