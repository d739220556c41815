"""asyncio face of the SDK: :class:`AsyncClient`, pure Python over the same native
:class:`c8y_mqtt.Client` (one runtime, one code path).

Publishing never blocks, so the ``send_*`` methods are the native ones and return the delivery
id at once; the ``*_acked`` helpers and ``future=True`` give awaitables that complete on PUBACK
(``asyncio.wrap_future`` of the native future). Waits (connect, flush, events, close) run the
native blocking call in the event loop's default executor, with the GIL released inside.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
from typing import Any, AsyncIterator, Optional, Union

from ._native import Client, Device, Event, Operation

__all__ = ["AsyncClient"]

#: How long one executor wait lasts, so that cancellation and close are noticed promptly.
_SLICE = 0.25


class AsyncClient:
    """An asyncio device client. Create it with ``await AsyncClient.connect(host, device_id,
    **options)`` (same options as :class:`c8y_mqtt.Client`) and use it as ``async with``.

    Attribute access falls through to the native client, so every ``send_*`` method, ``child``,
    ``create_child``, ``publish``, ``send_json`` and ``send_smartrest2`` work as on
    :class:`c8y_mqtt.Client`; with ``future=True`` they return an ``asyncio.Future``.
    """

    def __init__(self, client: Client) -> None:
        """Wraps an existing native client (usually use :meth:`connect`)."""
        self._client = client

    @classmethod
    async def connect(
        cls, host: str, device_id: str, *, wait: Optional[float] = 30.0, **options: Any
    ) -> "AsyncClient":
        """Starts a client and (unless ``wait`` is None) waits up to ``wait`` seconds until it
        is connected."""
        client = Client(host, device_id, **options)
        self = cls(client)
        if wait is not None:
            try:
                await self.wait_connected(wait)
            except BaseException:
                await self.close()
                raise
        return self

    @property
    def client(self) -> Client:
        """The native blocking client (same object, same queue)."""
        return self._client

    @property
    def device(self) -> Device:
        """The device handle."""
        return self._client.device

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name.startswith(("send_", "set_", "update_", "clear_")) or name in ("publish",):

            def call(*args: Any, future: bool = False, **kwargs: Any) -> Any:
                result = attr(*args, future=future, **kwargs)
                if future:
                    return asyncio.wrap_future(result)
                return result

            call.__doc__ = attr.__doc__
            return call
        return attr

    async def send_measurement_acked(self, *args: Any, **kwargs: Any) -> str:
        """``send_measurement`` and wait for the PUBACK; returns the outcome."""
        fut: concurrent.futures.Future[str] = self._client.send_measurement(*args, future=True, **kwargs)
        return await asyncio.wrap_future(fut)

    async def wait_connected(self, timeout: float = 30.0) -> None:
        """Waits until connected (see :meth:`c8y_mqtt.Client.wait_connected`)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.wait_connected, timeout)

    async def flush(self, timeout: float = 30.0) -> None:
        """Waits until every queued message was acknowledged."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.flush, timeout)

    async def download(self, url: str, path: Any, **options: Any) -> int:
        """Downloads ``url`` to ``path`` (see :meth:`c8y_mqtt.Client.download`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self._client.download, url, path, **options))

    async def upload_event_binary(self, path: Any, **options: Any) -> str:
        """Uploads ``path`` as an event binary (see :meth:`c8y_mqtt.Client.upload_event_binary`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, functools.partial(self._client.upload_event_binary, path, **options))

    async def upload_inventory_binary(self, path: Any, **options: Any) -> str:
        """Uploads ``path`` as an inventory binary (see
        :meth:`c8y_mqtt.Client.upload_inventory_binary`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, functools.partial(self._client.upload_inventory_binary, path, **options)
        )

    async def access_token(self) -> Optional[str]:
        """The access token of a certificate device (see :meth:`c8y_mqtt.Client.access_token`)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, self._client.access_token)

    async def next_event(self, timeout: Optional[float] = None) -> Optional[Union[Event, Operation]]:
        """The next event, or None after ``timeout`` seconds (never when None). Raises
        ``ClientClosedError`` once the client is closed and drained."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            wait = _SLICE if deadline is None else max(0.0, min(_SLICE, deadline - loop.time()))
            event = await loop.run_in_executor(None, self._client.next_event, wait)
            if event is not None:
                return event
            if deadline is not None and loop.time() >= deadline:
                return None

    async def events(self, timeout: Optional[float] = None) -> AsyncIterator[Event]:
        """``async for event in client.events(timeout=...)``: ends after ``timeout`` seconds
        without an event (never when None) or when the client is closed."""
        from .errors import ClientClosedError

        while True:
            try:
                event = await self.next_event(timeout)
            except ClientClosedError:
                return
            if event is None:
                return
            yield event  # type: ignore[misc]

    async def operations(self, timeout: Optional[float] = None) -> AsyncIterator[Operation]:
        """``async for op in client.operations(timeout=...)``: operations only; ends after
        ``timeout`` seconds without one (never when None) or when the client is closed."""
        from .errors import ClientClosedError

        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return
            try:
                event = await self.next_event(remaining)
            except ClientClosedError:
                return
            if event is None:
                return
            if isinstance(event, Event) and event.operation is not None:
                yield event.operation
                if timeout is not None:
                    deadline = loop.time() + timeout

    async def close(self) -> None:
        """Closes the client (see :meth:`c8y_mqtt.Client.close`)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._client.close)

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and not self._client.closed:
            try:
                await self.flush(10.0)
            except Exception:  # noqa: BLE001 - closing anyway
                pass
        await self.close()

    def __repr__(self) -> str:
        return f"<AsyncClient {self._client!r}>"
