//! Fuzz target: the emulator's packet handling (`c8y_mqtt_emulator::fuzzing`, the framing every
//! session runs on the bytes a device sends): the first packet read as CONNECT (3.1 / 3.1.1,
//! the 16184-byte limit), then packets read until the bytes run out or one is refused.
//!
//! Nothing may panic; every packet read is written again and the written bytes read back as
//! one complete packet.
#![no_main]

use bytes::BytesMut;
use c8y_mqtt_emulator::fuzzing::{read_connect, read_packet, write_packet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut buf = BytesMut::from(data);
    if !matches!(read_connect(&mut buf), Ok(Some(_))) {
        // The same bytes as a stream of packets after CONNECT.
        buf = BytesMut::from(data);
    }
    while let Ok(Some(packet)) = read_packet(&mut buf) {
        let mut out = BytesMut::new();
        if write_packet(&packet, &mut out).is_ok() {
            let mut again = out.clone();
            assert!(
                matches!(read_packet(&mut again), Ok(Some(_))) && again.is_empty(),
                "{packet:?} written as {out:?} does not read back"
            );
        }
    }
});
