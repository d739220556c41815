//! SmartREST 1.0 over MQTT engine (in progress).
