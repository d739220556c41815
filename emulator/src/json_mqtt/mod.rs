//! JSON over MQTT engine (in progress).
