"""Type stubs of the native module ``c8y_mqtt_emulator._native`` (hand-written; checked by
``python -m mypy.stubtest c8y_mqtt_emulator._native``)."""

from typing import Any, Dict, List, Optional, Tuple, final

__all__ = ["__version__", "Emulator"]

__version__: str

@final
class Emulator:
    """An emulated Cumulocity tenant with its MQTT endpoint on 127.0.0.1."""

    def __new__(
        cls,
        *,
        tenant: str = "t100",
        user: str = "device_user",
        password: str = "device-secret",
        bootstrap_password: Optional[str] = None,
    ) -> Emulator: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def tenant(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def bootstrap_user(self) -> str: ...
    @property
    def bootstrap_password(self) -> str: ...
    @property
    def stopped(self) -> bool: ...
    @property
    def http_url(self) -> str:
        """The base URL of the emulator's REST API (``http://127.0.0.1:<port>``)."""
    def cut_next_download(self, after_bytes: int) -> None:
        """Breaks the connection of the next binary download after ``after_bytes`` bytes."""
    def add_tenant(self, tenant: str) -> bool:
        """Adds a tenant, isolated from the others (users, devices, data); returns whether it is new."""
    def add_user(self, name: str, password: str, tenant: Optional[str] = None) -> bool:
        """Adds or replaces a user of ``tenant`` (default: the emulator's tenant); ``device_*``
        users are device users, the others administrators. False for an unknown tenant."""
    def client_options(self, device_id: str) -> Dict[str, Any]:
        """Keyword arguments for ``Client(**emulator.client_options("dev1"))``."""
    def create_operation(self, device_id: str, fragments: Dict[str, Any]) -> Dict[str, Any]:
        """Creates and delivers an operation."""
    def operation(self, id: str) -> Optional[Dict[str, Any]]:
        """The operation with this id."""
    def open_remote_access(self, device_id: str, host: str, port: int) -> Dict[str, Any]:
        """Creates a remote-access operation to ``host``:``port`` and listens for the operator."""
    def wait_for_operation_status(self, id: str, status: str, timeout: float = 10.0) -> Dict[str, Any]:
        """Waits until the operation has ``status``."""
    def operations(self, source: Optional[str] = None) -> List[Dict[str, Any]]:
        """Operations, oldest first."""
    def measurements(self, source: Optional[str] = None, type: Optional[str] = None) -> List[Dict[str, Any]]:
        """Stored measurements, oldest first."""
    def events(self, source: Optional[str] = None, type: Optional[str] = None) -> List[Dict[str, Any]]:
        """Stored events, oldest first."""
    def alarms(self, source: Optional[str] = None, type: Optional[str] = None) -> List[Dict[str, Any]]:
        """Alarms, oldest first."""
    def managed_object(self, external_id: str) -> Optional[Dict[str, Any]]:
        """The managed object with this external id."""
    def child_devices(self, external_id: str) -> List[Dict[str, Any]]:
        """The child devices of a device."""
    def publishes(self) -> List[Tuple[str, bytes]]:
        """Every device publish as (topic, payload)."""
    def register_device(self, id: str) -> None:
        """Registers a device id for bootstrap."""
    def accept_device_request(self, id: str) -> None:
        """Accepts a device request."""
    def device_requests(self) -> List[Tuple[str, str]]:
        """The device requests as (id, status)."""
    def drop_connection(self, device_id: str) -> bool:
        """Closes the device's connection as a network failure would."""
    def withhold_pubacks(self, device_id: str, withhold: bool) -> None:
        """Withholds (or resumes) PUBACKs."""
    def stop(self) -> None:
        """Stops the emulator."""
    def __enter__(self) -> Emulator:
        """Returns the emulator itself."""
    def __exit__(self, *_args: Any) -> None:
        """Stops the emulator."""
