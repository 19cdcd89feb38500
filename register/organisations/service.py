"""Organisations: reference data kept by administrators, readable by every register user."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.errors import Conflict, Forbidden, NotFound, PreconditionFailed, RuleViolation
from register.identifiers import OrganisationKind, Region, check_ods_code
from register.organisations.models import Organisation
from register.records.history import record_change
from register.records.pages import Keyset, keyset_page

RECORD_TYPE = "organisation"


async def list_organisations(
    session: AsyncSession,
    *,
    limit: int,
    cursor: str | None = None,
    region: Region | None = None,
    kind: OrganisationKind | None = None,
) -> tuple[list[Organisation], str | None]:
    """A page of organisations in ODS-code order, and the cursor of the next page."""
    query = sa.select(Organisation)
    if region:
        query = query.where(col(Organisation.region) == region)
    if kind:
        query = query.where(col(Organisation.kind) == kind)
    return await keyset_page(
        session, query, Keyset(col(Organisation.ods_code), cursor_key="ods", parse=str), limit=limit, cursor=cursor
    )


async def get_organisation(session: AsyncSession, ods_code: str) -> Organisation:
    """One organisation by ODS code."""
    org = await session.get(Organisation, ods_code.upper())
    if org is None:
        raise NotFound(f"No organisation has the ODS code {ods_code.upper()}.")
    return org


async def create_organisation(
    session: AsyncSession,
    actor: Actor,
    *,
    ods_code: str,
    name: str,
    kind: OrganisationKind,
    region: Region | None,
) -> Organisation:
    """Add an organisation; its ODS code must fit its kind and be new."""
    if not policy.can_manage_organisations(actor.principal):
        raise Forbidden("Only an administrator adds organisations.")
    _check_code_fits_kind(ods_code, kind)
    if await session.get(Organisation, ods_code) is not None:
        raise Conflict(f"An organisation with ODS code {ods_code} is already on the register.", ods_code=ods_code)
    org = Organisation(ods_code=ods_code, name=name, kind=kind, region=region, version=1)
    session.add(org)
    await session.flush()
    await session.refresh(org)
    await record_change(
        session, actor, org, record_type=RECORD_TYPE, record_id=ods_code, change="created", action="organisation.create"
    )
    return org


async def update_organisation(
    session: AsyncSession, actor: Actor, ods_code: str, *, expected_version: int, changes: dict[str, Any]
) -> Organisation:
    """Change an organisation's name, kind or region (optimistic concurrency on its version)."""
    if not policy.can_manage_organisations(actor.principal):
        raise Forbidden("Only an administrator changes organisations.")
    org = await get_organisation(session, ods_code)
    if org.version != expected_version:
        raise PreconditionFailed(
            f"Organisation {org.ods_code} is at version {org.version}; read it again and resend your change.",
            current_version=org.version,
        )
    _check_code_fits_kind(org.ods_code, changes.get("kind", org.kind))
    result = await session.execute(
        sa.update(Organisation)
        .where(col(Organisation.ods_code) == org.ods_code, col(Organisation.version) == expected_version)
        .values(**changes, version=expected_version + 1, updated_at=sa.func.now())
        .returning(Organisation)
        .execution_options(populate_existing=True)
    )
    updated = result.scalar_one_or_none()
    if updated is None:
        raise PreconditionFailed(f"Organisation {org.ods_code} changed while you were editing it; read it again.")
    await record_change(
        session,
        actor,
        updated,
        record_type=RECORD_TYPE,
        record_id=updated.ods_code,
        change="updated",
        action="organisation.update",
        detail={"fields": sorted(changes)},
    )
    return updated


def _check_code_fits_kind(ods_code: str, kind: OrganisationKind) -> None:
    try:
        check_ods_code(ods_code, kind)
    except ValueError as exc:
        raise RuleViolation(f"ods_code: {exc}.", ods_code=ods_code) from None
