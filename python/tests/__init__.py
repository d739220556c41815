"""The pytest suite of the c8y_mqtt package (runs against the in-process emulator)."""
