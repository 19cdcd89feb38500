"""A director's record as a FHIR R4 Bundle: a Practitioner, a PractitionerRole per board appointment and an
Organization per ODS code.

The builders are pure functions over the director's current file and return plain JSON: the service needs no
FHIR library at run time (the tests validate the output with ``fhir.resources``). Identifiers use the UK Core
naming systems, so a receiving system can match the person and the organisations without our register id.
Every resource's id is a UUID and its ``fullUrl`` the matching ``urn:uuid:``, so references resolve inside the
Bundle.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from register.access import policy
from register.access.principal import Actor
from register.audit.service import record_event
from register.directors.models import ProfessionalRegistration, RegistrationStatus
from register.employment.models import BoardRole, EmploymentKind, EmploymentRecord
from register.identifiers import RegistrationBody
from register.organisations.models import Organisation
from register.qualifications.models import Qualification
from register.records.visible import load_visible_director
from register.versions.service import snapshot

# UK Core identifier systems (https://simplifier.net/hl7fhirukcorer4).
REGISTRATION_SYSTEMS: dict[str, str] = {
    RegistrationBody.GMC: "https://fhir.hl7.org.uk/Id/gmc-number",
    RegistrationBody.NMC: "https://fhir.hl7.org.uk/Id/nmc-number",
    RegistrationBody.HCPC: "https://fhir.hl7.org.uk/Id/hcpc-number",
    RegistrationBody.GPHC: "https://fhir.hl7.org.uk/Id/gphc-number",
}
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# A bare UUID as an identifier (FHIR R4 §2.24.0.1: the system for URIs, the value a urn:uuid).
URI_SYSTEM = "urn:ietf:rfc:3986"
# Organisations have no UUID of their own in the register: a stable one is derived from the ODS code.
_ORG_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, ODS_SYSTEM)

_BOARD_ROLE_TEXT = {
    BoardRole.CHAIR: "Chair",
    BoardRole.CHIEF_EXECUTIVE: "Chief executive",
    BoardRole.EXECUTIVE_DIRECTOR: "Executive director",
    BoardRole.NON_VOTING_EXECUTIVE: "Non-voting executive director",
    BoardRole.NON_EXECUTIVE_DIRECTOR: "Non-executive director",
    BoardRole.ASSOCIATE_NED: "Associate non-executive director",
}
# A registration that no longer stands is an identifier no longer in use.
_OLD_STATUSES = {RegistrationStatus.ERASED, RegistrationStatus.LAPSED}


@dataclass
class FhirSource:
    """The director's current file, as JSON-ready snapshots (see ``register.versions.service.snapshot``)."""

    director: dict[str, Any]
    registrations: list[dict[str, Any]] = field(default_factory=list)
    qualifications: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    organisation_names: dict[str, str] = field(default_factory=dict)


def organisation_uuid(ods_code: str) -> uuid.UUID:
    """The stable UUID an organisation has in every Bundle."""
    return uuid.uuid5(_ORG_NAMESPACE, ods_code)


def _urn(value: Any) -> str:
    return f"urn:uuid:{value}"


def _resource(value: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = _clean(value)
    return cleaned


def _clean(value: Any) -> Any:
    """Drop empty values: FHIR forbids empty strings, arrays and objects."""
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [c for c in (_clean(v) for v in value) if c not in (None, "", [], {})]
    return value


def registration_identifier(registration: dict[str, Any]) -> dict[str, Any]:
    """A professional registration as a Practitioner identifier, in the UK Core system where there is one."""
    body = RegistrationBody(registration["body"])
    identifier: dict[str, Any] = {
        "use": "old" if registration.get("status") in _OLD_STATUSES else "official",
        "system": REGISTRATION_SYSTEMS.get(body),
        "value": registration["number"],
    }
    if body not in REGISTRATION_SYSTEMS:  # GDC, SWE, other: no UK Core system, so say what the number is
        identifier["type"] = {"text": f"{body.value} registration number"}
    return identifier


def practitioner(source: FhirSource) -> dict[str, Any]:
    """The director: names, birth date, identifiers (register id, professional registrations), qualifications."""
    d = source.director
    names: list[dict[str, Any]] = [{"use": "official", "family": d["family_name"], "given": [d["given_name"]]}]
    names += [
        {"use": "old", "family": n.get("family_name"), "given": [n.get("given_name")]}
        for n in d.get("former_names", [])
    ]
    return _resource(
        {
            "resourceType": "Practitioner",
            "id": str(d["id"]),
            "identifier": [
                {"use": "secondary", "system": URI_SYSTEM, "value": _urn(d["id"])},
                *(registration_identifier(r) for r in source.registrations),
            ],
            "active": True,
            "name": names,
            "birthDate": d.get("date_of_birth"),
            "qualification": [qualification(q) for q in source.qualifications],
        }
    )


def qualification(q: dict[str, Any]) -> dict[str, Any]:
    """A qualification: its title, awarding body and award date."""
    return {
        "identifier": [{"system": URI_SYSTEM, "value": _urn(q["id"])}],
        "code": {"text": ", ".join(p for p in (q["title"], q.get("level")) if p)},
        "period": {"start": q.get("awarded_on")},
        "issuer": {"display": q["awarding_body"]},
    }


def practitioner_role(appointment: dict[str, Any], director_id: str, today: dt.date) -> dict[str, Any]:
    """One board appointment: the seat, its dates, the organisation, and whether it is held today."""
    start = dt.date.fromisoformat(appointment["start_date"])
    end = dt.date.fromisoformat(appointment["end_date"]) if appointment.get("end_date") else None
    board_role = BoardRole(appointment["board_role"])
    codes = [{"text": appointment.get("role_title") or _BOARD_ROLE_TEXT[board_role]}]
    if appointment.get("senior_independent_director"):
        codes.append({"text": "Senior independent director"})
    if appointment.get("deputy_chair"):
        codes.append({"text": "Deputy chair"})
    ods = appointment.get("ods_code")
    return _resource(
        {
            "resourceType": "PractitionerRole",
            "id": str(appointment["id"]),
            "identifier": [{"system": URI_SYSTEM, "value": _urn(appointment["id"])}],
            "active": start <= today and (end is None or end >= today),
            "period": {"start": appointment["start_date"], "end": appointment.get("end_date")},
            "practitioner": {"reference": _urn(director_id)},
            "organization": {
                "reference": _urn(organisation_uuid(ods)) if ods else None,
                "identifier": {"system": ODS_SYSTEM, "value": ods} if ods else None,
                "display": appointment.get("employer_name"),
            },
            "code": codes,
            "specialty": [{"text": appointment["portfolio"]}] if appointment.get("portfolio") else [],
        }
    )


def organization(ods_code: str, name: str) -> dict[str, Any]:
    """An NHS organisation, identified by its ODS code."""
    return {
        "resourceType": "Organization",
        "id": str(organisation_uuid(ods_code)),
        "identifier": [{"use": "official", "system": ODS_SYSTEM, "value": ods_code}],
        "active": True,
        "name": name,
    }


def build_bundle(source: FhirSource, *, generated_at: dt.datetime) -> dict[str, Any]:
    """The Bundle (type ``collection``): the Practitioner, then each PractitionerRole, then each Organization."""
    director_id = str(source.director["id"])
    resources = [practitioner(source)]
    resources += [practitioner_role(a, director_id, generated_at.date()) for a in source.appointments]
    employers = {a["ods_code"]: a["employer_name"] for a in source.appointments if a.get("ods_code")}
    resources += [
        organization(code, source.organisation_names.get(code, employers[code])) for code in sorted(employers)
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": generated_at.isoformat()},
        "type": "collection",
        "timestamp": generated_at.isoformat(),
        "entry": [{"fullUrl": _urn(r["id"]), "resource": r} for r in resources],
    }


async def director_bundle(session: AsyncSession, actor: Actor, director_id: uuid.UUID) -> dict[str, Any]:
    """The director's current file as a FHIR Bundle, for whoever may read the full file (404 otherwise)."""
    director = await load_visible_director(session, actor, director_id)
    source = FhirSource(director=snapshot(director))
    source.registrations = [
        snapshot(r)
        for r in await _current(
            session,
            ProfessionalRegistration,
            director_id,
            ProfessionalRegistration.body,
            ProfessionalRegistration.number,
        )
    ]
    source.qualifications = [
        snapshot(q) for q in await _current(session, Qualification, director_id, Qualification.awarded_on)
    ]
    source.appointments = [
        snapshot(a)
        for a in await _current(session, EmploymentRecord, director_id, EmploymentRecord.start_date)
        if a.kind is EmploymentKind.BOARD_APPOINTMENT
    ]
    codes = {a["ods_code"] for a in source.appointments if a.get("ods_code")}
    if codes:
        rows = await session.execute(
            sa.select(col(Organisation.ods_code), col(Organisation.name)).where(col(Organisation.ods_code).in_(codes))
        )
        source.organisation_names = {code: name for code, name in rows}
    await record_event(
        session,
        actor,
        "director.read",
        record_type="director",
        record_id=str(director_id),
        director_id=director_id,
        detail={"format": "fhir"},
    )
    return build_bundle(source, generated_at=policy.now())


async def _current(session: AsyncSession, model: Any, director_id: uuid.UUID, *order: Any) -> list[Any]:
    rows = await session.execute(
        sa.select(model)
        .where(col(model.director_id) == director_id, col(model.withdrawn_at).is_(None))
        .order_by(*(col(o) for o in order), col(model.id))
    )
    return list(rows.scalars())
