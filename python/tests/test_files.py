"""File transfer against the emulator's REST API, with ``c8y-api`` (Cumulocity's Python REST
client) as the platform user: a binary it uploads is downloaded by the device (also through a
cut connection, and with a wrong checksum refused); what the device uploads it reads back."""

from __future__ import annotations

import asyncio
import hashlib
import pathlib

import pytest
from c8y_api import CumulocityApi

import c8y_mqtt
from c8y_mqtt.aio import AsyncClient
from c8y_mqtt.testing import Emulator

from .conftest import DEVICE


def platform_user(emulator: Emulator) -> CumulocityApi:
    return CumulocityApi(emulator.http_url, emulator.tenant, emulator.user, emulator.password)


def test_device_downloads_what_the_platform_uploaded(
    emulator: Emulator, client: c8y_mqtt.Client, tmp_path: pathlib.Path
) -> None:
    data = bytes(range(256)) * 1200
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    binary = platform_user(emulator).binaries.upload(str(source), "fw.bin", "application/octet-stream")
    url = f"{emulator.http_url}/inventory/binaries/{binary.id}"

    emulator.cut_next_download(len(data) // 2)
    seen = []
    target = tmp_path / "fw.bin"
    size = client.download(
        url,
        target,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert size == len(data)
    assert target.read_bytes() == data
    assert seen[-1] == (len(data), len(data))

    with pytest.raises(c8y_mqtt.HttpError, match="checksum mismatch") as raised:
        client.download(url, tmp_path / "other.bin", sha256="00" * 32)
    assert raised.value.code == 306
    assert not (tmp_path / "other.bin").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fw.bin", "source.bin"], "no temporary file left"
    with pytest.raises(c8y_mqtt.HttpError, match="404"):
        client.download("/inventory/binaries/999999", tmp_path / "missing.bin")
    assert client.access_token() is None, "a password device has no token"


def test_platform_reads_back_what_the_device_uploaded(
    emulator: Emulator, client: c8y_mqtt.Client, tmp_path: pathlib.Path
) -> None:
    log = tmp_path / "syslog.log"
    log.write_text("boot ok\n")
    url = client.upload_event_binary(log, text="syslog")
    assert url.startswith(f"{emulator.http_url}/event/events/") and url.endswith("/binaries")
    event_id = url.split("/")[-2]
    api = platform_user(emulator)
    assert api.events.download_attachment(event_id) == b"boot ok\n"
    assert api.events.get(event_id).type == "c8y_Logfile"

    config = tmp_path / "agent.ini"
    config.write_bytes(b"interval=5\n")
    url = client.upload_inventory_binary(config, content_type="text/plain")
    binary_id = url.rsplit("/", 1)[1]
    assert api.binaries.read_file(binary_id) == b"interval=5\n"


def test_async_download_and_upload(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    source = tmp_path / "pkg.deb"
    source.write_bytes(b"package")

    async def main() -> None:
        async with await AsyncClient.connect(**emulator.client_options(DEVICE)) as client:
            await client.wait_connected(15)
            url = await client.upload_inventory_binary(source)
            assert await client.download(url, tmp_path / "copy.deb") == 7
            assert await client.access_token() is None

    asyncio.run(main())
    assert (tmp_path / "copy.deb").read_bytes() == b"package"
