"""Deliveries go to public receivers only: checked after resolution, connected at the checked address, no redirects.

The listeners here are real sockets on this machine; the subscriptions to them are made with this folder's settings
(127.0.0.1 named as a private host, as a development set-up would), and delivered by the worker's own client built
with production settings, as after the setting was removed or for a name whose DNS changed since subscribing.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from register.monitoring.addresses import GuardedTransport
from register.monitoring.delivery import deliver_due
from register.monitoring.models import DeliveryStatus
from register.monitoring.worker import webhook_client
from register.settings import Settings
from tests.monitoring.conftest import Subscribe, emit_committed
from tests.monitoring.test_worker import Factory, deliveries, fan_out_now


@dataclass
class Listener:
    """A TCP listener on 127.0.0.1 that answers every request with ``status`` and records what it got."""

    status: int = 204
    location: str | None = None
    requests: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            body = await reader.readexactly(length)
            self.requests.append(head + body)
            extra = f"Location: {self.location}\r\n" if self.location else ""
            writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\n{extra}Connection: close\r\n\r\n".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def listener() -> AsyncIterator[Listener]:
    found = Listener()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    found.port = server.sockets[0].getsockname()[1]
    async with server:
        yield found


def production(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_private_hosts": []})


async def one_delivery(factory: Factory, subscription_id: str, transport_settings: Settings) -> tuple[str, str | None]:
    await fan_out_now(factory)
    async with webhook_client(transport_settings) as http:
        assert await deliver_due(factory, http, request_timeout=2) == 1
    [delivery] = await deliveries(factory, subscription_id)
    return delivery.status.value, delivery.last_error


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_the_worker_does_not_post_to_a_loopback_listener(
    trusts: dict[str, str],
    subscribe: Subscribe,
    factory: Factory,
    settings: Settings,
    listener: Listener,
    scheme: str,
) -> None:
    subscription = await subscribe("RJ1", url=f"{scheme}://127.0.0.1:{listener.port}/hook")
    await emit_committed(factory, trusts["RJ1"])

    status, error = await one_delivery(factory, subscription["id"], production(settings))

    assert status == DeliveryStatus.FAILED.value
    assert error is not None and error.startswith("refused"), error
    assert listener.connections == 0
    assert str(listener.port) not in error  # the address, never the URL


async def test_the_worker_posts_to_a_named_private_host_and_follows_no_redirect(
    trusts: dict[str, str], subscribe: Subscribe, factory: Factory, settings: Settings, listener: Listener
) -> None:
    elsewhere = Listener()
    server = await asyncio.start_server(elsewhere.handle, "127.0.0.1", 0)
    listener.status, listener.location = 302, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/stolen"
    async with server:
        subscription = await subscribe("RJ1", url=f"http://127.0.0.1:{listener.port}/hook")
        await emit_committed(factory, trusts["RJ1"])
        status, error = await one_delivery(factory, subscription["id"], settings)
    assert (status, error) == (DeliveryStatus.FAILED.value, "HTTP 302")
    assert len(listener.requests) == 1
    assert elsewhere.connections == 0


async def test_a_name_that_now_resolves_to_loopback_is_refused_at_delivery(listener: Listener) -> None:
    async def rebound(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "127.0.0.1"] if host == "hooks.rebind.example" else []

    async with httpx.AsyncClient(transport=GuardedTransport(resolve=rebound)) as http:
        with pytest.raises(httpx.TransportError, match=r"refused: hooks\.rebind\.example resolves to 127\.0\.0\.1"):
            await http.post(f"https://hooks.rebind.example:{listener.port}/hook", content=b"{}")
        with pytest.raises(httpx.TransportError, match="does not resolve"):
            await http.post("https://nowhere.rebind.example/hook", content=b"{}")
    assert listener.connections == 0


async def test_the_connection_goes_to_the_address_checked_with_the_name_kept_in_host(listener: Listener) -> None:
    """The name is resolved once, by the check; the connection is made to that address (a second lookup could be
    answered differently: DNS rebinding). ``receiver.invalid`` resolves nowhere else, so reaching the listener
    proves the client connected to the checked address."""

    looked_up: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["127.0.0.1"]

    transport = GuardedTransport(["receiver.invalid"], resolve=resolve)
    async with httpx.AsyncClient(transport=transport, follow_redirects=False) as http:
        response = await http.post(f"http://receiver.invalid:{listener.port}/hook", content=b'{"a":1}')
    assert response.status_code == 204
    assert looked_up == ["receiver.invalid"]
    [request] = listener.requests
    assert request.startswith(b"POST /hook HTTP/1.1\r\n")
    assert f"host: receiver.invalid:{listener.port}\r\n".encode() in request.lower()


async def test_a_proxy_in_the_environment_does_not_bypass_the_check(
    listener: Listener, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{listener.port}")
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{listener.port}")
    async with webhook_client(production(settings)) as http:
        with pytest.raises(httpx.TransportError, match="refused"):
            await http.post("https://127.0.0.1:1/hook", content=b"{}")
    assert listener.connections == 0
