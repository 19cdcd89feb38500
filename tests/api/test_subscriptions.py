"""Webhook subscriptions: who may create and see them, validation, the secret shown once, deactivation, deliveries."""

import ipaddress
import socket
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import col

from api.app import create_app
from register.audit.models import AuditEvent
from register.db import transaction
from register.events.service import EventType, emit
from register.monitoring.addresses import check_receiver_url, resolve_host
from register.monitoring.delivery import deliver_due, fan_out
from register.monitoring.models import Subscription
from register.settings import Settings
from tests.conftest import Orgs, TokenFactory
from tests.monitoring.receiver import Receiver, client_for

CreateDirector = Callable[..., Any]
SECRET = "s3cret-shared-with-the-register-32+chars"
URL = "https://hr.rj1.example.nhs.uk/register-events"


async def subscribe(client: httpx.AsyncClient, auth: TokenFactory, org: str = "RJ1", **body: Any) -> httpx.Response:
    return await client.post(
        "/v1/subscriptions", json={"url": URL, "secret": SECRET, **body}, headers=auth("trust_hr", org=org)
    )


async def test_trust_hr_subscribes_and_sees_the_secret_only_once(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    response = await subscribe(client, auth, description="HR case system")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"] == SECRET
    assert (created["ods_code"], created["url"], created["active"]) == ("RJ1", URL, True)
    assert response.headers["etag"] == '"1"'
    assert response.headers["location"] == f"/v1/subscriptions/{created['id']}"

    read = await client.get(response.headers["location"], headers=auth("trust_hr", org="RJ1"))
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert read.json()["description"] == "HR case system"
    listed = await client.get("/v1/subscriptions", headers=auth("trust_hr", org="RJ1"))
    assert [s["id"] for s in listed.json()["items"]] == [created["id"]]
    assert SECRET not in listed.text + read.text

    audit = (
        await db.execute(
            sa.select(col(AuditEvent.action), col(AuditEvent.detail)).where(col(AuditEvent.record_id) == created["id"])
        )
    ).all()
    assert [a for a, _ in audit] == ["subscription.create"]
    assert SECRET not in str(audit)


async def test_register_generates_a_secret_when_none_is_given(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    response = await client.post("/v1/subscriptions", json={"url": URL}, headers=auth("trust_hr", org="RJ1"))
    assert response.status_code == 201, response.text
    assert len(response.json()["secret"]) >= 32


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9000/hook"])
async def test_plain_http_to_this_machine_is_accepted_only_for_a_named_private_host(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    orgs: Orgs,
    url: str,
    settings: Settings,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    refused = await subscribe(client, auth, url=url)
    assert refused.status_code == 400, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["url"]

    host = httpx.URL(url).host.upper()  # named in any case, with or without IPv6 brackets
    development = settings.model_copy(update={"webhook_private_hosts": [host]})
    app = create_app(development, engine=engine, session_factory=session_factory)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://register.test") as named:
        response = await subscribe(named, auth, url=url)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://hr.rj1.example.nhs.uk/events",  # plain http off this machine
        "ftp://hr.rj1.example.nhs.uk/events",
        "hr.rj1.example.nhs.uk/events",
        "https://user:password@hr.rj1.example.nhs.uk/events",
        "https://hr.rj1.example.nhs.uk:99999/events",
        "https://",
    ],
)
async def test_a_bad_url_is_a_400_problem(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, url: str) -> None:
    response = await subscribe(client, auth, url=url)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert [e["field"] for e in problem["errors"]] == ["url"]


async def test_a_short_secret_is_a_400_problem(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await subscribe(client, auth, secret="too-short")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["secret"]


async def test_unknown_fields_are_refused(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await subscribe(client, auth, active=False)
    assert response.status_code == 400


async def test_trust_hr_cannot_subscribe_for_another_organisation(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    response = await subscribe(client, auth, ods_code="RRV")
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    listed = await client.get("/v1/subscriptions", headers=auth("trust_hr", org="RRV"))
    assert listed.json()["items"] == []


async def test_the_same_url_twice_is_a_conflict(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    assert (await subscribe(client, auth)).status_code == 201
    again = await subscribe(client, auth)
    assert again.status_code == 409


@pytest.mark.parametrize("role", ["regulator", "auditor", "admin"])
async def test_only_trust_hr_manages_subscriptions(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, role: str
) -> None:
    headers = auth(role)
    assert (await client.post("/v1/subscriptions", json={"url": URL}, headers=headers)).status_code == 403
    assert (await client.get("/v1/subscriptions", headers=headers)).status_code == 403


async def test_director_may_not_subscribe(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    headers = auth("director", director_id=str(uuid.uuid4()))
    assert (await client.post("/v1/subscriptions", json={"url": URL}, headers=headers)).status_code == 403


async def test_another_trusts_subscription_is_not_found(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs
) -> None:
    created = (await subscribe(client, auth, org="RRV")).json()
    rj1 = auth("trust_hr", org="RJ1")
    path = f"/v1/subscriptions/{created['id']}"
    assert (await client.get(path, headers=rj1)).status_code == 404
    assert (await client.get(f"{path}/deliveries", headers=rj1)).status_code == 404
    deactivate = await client.post(f"{path}/deactivate", headers={**rj1, "If-Match": '"1"'})
    assert deactivate.status_code == 404
    assert (await client.get("/v1/subscriptions", headers=rj1)).json()["items"] == []


async def test_deactivation_needs_if_match_with_the_current_version(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession
) -> None:
    created = (await subscribe(client, auth)).json()
    hr = auth("trust_hr", org="RJ1")
    path = f"/v1/subscriptions/{created['id']}/deactivate"

    assert (await client.post(path, headers=hr)).status_code == 428
    assert (await client.post(path, headers={**hr, "If-Match": '"2"'})).status_code == 412
    done = await client.post(path, headers={**hr, "If-Match": '"1"'})
    assert done.status_code == 200, done.text
    assert (done.json()["active"], done.json()["version"], done.headers["etag"]) == (False, 2, '"2"')
    assert done.json()["deactivated_by"] == "trust_hr-user"
    again = await client.post(path, headers={**hr, "If-Match": '"2"'})
    assert again.status_code == 409

    actions = (
        await db.execute(sa.select(col(AuditEvent.action)).where(col(AuditEvent.record_id) == created["id"]))
    ).scalars()
    assert sorted(actions) == ["subscription.create", "subscription.deactivate"]


async def test_subscriptions_list_in_pages(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    made = [(await subscribe(client, auth, url=f"{URL}/{i}")).json()["id"] for i in range(3)]
    hr = auth("trust_hr", org="RJ1")
    first = (await client.get("/v1/subscriptions", params={"limit": 2}, headers=hr)).json()
    second = (await client.get(first["next"], headers=hr)).json()
    assert [s["id"] for s in first["items"] + second["items"]] == made
    assert second["next"] is None


async def test_deliveries_show_every_attempt(
    client: httpx.AsyncClient,
    auth: TokenFactory,
    create_director: CreateDirector,
    db: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    director = await create_director("RJ1")
    created = (await subscribe(client, auth, url=f"{URL}/hooks")).json()
    await emit(
        db,
        EventType.STATEMENT_ADDED,
        director_id=uuid.UUID(director["id"]),
        record_type="statement",
        record_id=str(uuid.uuid4()),
    )
    await db.commit()
    async with transaction(session_factory) as session:
        await fan_out(session)
    async with client_for(Receiver(SECRET, statuses=[500])) as http:
        assert await deliver_due(session_factory, http) == 1

    hr = auth("trust_hr", org="RJ1")
    path = f"/v1/subscriptions/{created['id']}/deliveries"
    response = await client.get(path, headers=hr)
    assert response.status_code == 200, response.text
    [delivery] = response.json()["items"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 1, 500)
    assert delivery["next_attempt_at"] is not None
    assert [(a["status_code"], a["error"]) for a in delivery["attempt_log"]] == [(500, "HTTP 500")]
    assert (await client.get(path, params={"status": "delivered"}, headers=hr)).json()["items"] == []
    assert (await client.get(path, params={"status": "lost"}, headers=hr)).status_code == 400


# --- Where webhooks may point (server-side request forgery) ---------------------------------------------------

INSIDE = [
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://10.0.0.1/",
    "https://192.168.1.10/hook",
    "https://100.100.100.200/",  # shared address space (another cloud's metadata)
    "https://127.0.0.1:5432/",
    "https://localhost:8443/hook",
    "https://LOCALHOST./hook",
    "https://api.localhost/hook",
    "http://127.0.0.1:9/",
    "https://[::1]/",
    "https://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "https://[fd00:ec2::254]/",  # unique-local (a cloud's IPv6 metadata)
    "https://[fe80::1]/",
    "https://0.0.0.0/",
    "https://2130706433/",  # decimal 127.0.0.1
    "https://0x7f000001/",  # hex
    "https://0177.0.0.1/",  # octal
    "https://127.1/",  # short form
    "https://0xa9.0xfe.0xa9.0xfe/",  # hex parts of 169.254.169.254
]


@pytest.mark.parametrize("url", INSIDE)
async def test_a_webhook_into_the_network_is_a_400_and_changes_nothing(
    client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs, db: AsyncSession, url: str
) -> None:
    before = await db.scalar(sa.select(sa.func.count()).select_from(Subscription))
    response = await subscribe(client, auth, url=url)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["type"] == "/problems/validation-error"
    assert [e["field"] for e in problem["errors"]] == ["url"]
    assert "must" in problem["detail"]
    assert await db.scalar(sa.select(sa.func.count()).select_from(Subscription)) == before


async def test_a_name_of_this_machine_is_refused(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    host = socket.gethostname()
    resolved = [ipaddress.ip_address(a) for a in await resolve_host(host, 443)]
    if not any(a.is_loopback or a.is_private for a in resolved):
        pytest.skip(f"this machine's name {host} does not resolve to a loopback or private address")
    response = await subscribe(client, auth, url=f"https://{host}/hooks")
    assert response.status_code == 400, response.text
    assert "must be a public receiver" in response.json()["detail"]


async def test_a_public_address_is_accepted(client: httpx.AsyncClient, auth: TokenFactory, orgs: Orgs) -> None:
    response = await subscribe(client, auth, url="https://93.184.215.14/hooks")
    assert response.status_code == 201, response.text


async def fake_dns(host: str, port: int) -> list[str]:
    return {"internal.example.nhs.uk": ["81.144.1.1", "10.1.2.3"], "public.example.nhs.uk": ["81.144.1.1"]}.get(
        host, []
    )


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://internal.example.nhs.uk/hook", "internal.example.nhs.uk resolves to 10.1.2.3"),
        ("https://public.example.nhs.uk/hook", None),
        ("https://not-yet-in-dns.example.nhs.uk/hook", None),  # checked again at every delivery
        ("http://public.example.nhs.uk/hook", "must use https"),
    ],
)
async def test_a_name_is_judged_by_every_address_it_resolves_to(url: str, refused: str | None) -> None:
    reason = await check_receiver_url(url, (), resolve=fake_dns)
    assert (reason is None) if refused is None else (reason is not None and refused in reason), reason
