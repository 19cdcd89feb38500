"""Statements: the director's own words beside any record about them. Nobody else writes or edits them."""

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from register.access import policy
from register.access.principal import Actor
from register.appraisals.models import Appraisal
from register.assessments.models import Assessment
from register.attestations.models import Attestation
from register.checks.models import FpptCheck
from register.directors.models import ProfessionalRegistration
from register.employment.models import EmploymentRecord, GapExplanation
from register.errors import Forbidden, RuleViolation
from register.events.service import EventType, emit
from register.findings.models import Finding
from register.qualifications.models import Qualification
from register.records.history import (
    PartChange,
    PartKind,
    PartWithdrawal,
    add_part,
    change_part,
    load_part,
    withdraw_part,
)
from register.records.visible import load_visible_director
from register.references.models import BoardMemberReference
from register.settings import Settings
from register.statements.models import Statement

# The records a statement may answer. Other aggregates add theirs with ``register_answerable``.
ANSWERABLE: dict[str, type[SQLModel]] = {
    "finding": Finding,
    "registration": ProfessionalRegistration,
    "qualification": Qualification,
    "employment": EmploymentRecord,
    "gap_explanation": GapExplanation,
    "reference": BoardMemberReference,
    "assessment": Assessment,
    "check": FpptCheck,
    "appraisal": Appraisal,
    "attestation": Attestation,
}


def register_answerable(record_type: str, model: type[SQLModel]) -> None:
    """Let statements answer records of another kind (each model has ``id`` and ``director_id``)."""
    ANSWERABLE[record_type] = model


def _require_self(actor: Actor, director_id: uuid.UUID) -> None:
    if not policy.is_own_record(actor.principal, director_id):
        raise Forbidden("Only the director writes their statements.")


@dataclass(frozen=True)
class StatementEntry:
    """The director's statement, about one record of their file or (both ``about_*`` None) the whole file."""

    text: str
    about_record_type: str | None = None
    about_record_id: uuid.UUID | None = None


async def add_statement(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: StatementEntry
) -> Statement:
    """The director adds a statement about one record in their file, or about the file as a whole."""
    text, about_record_type, about_record_id = data.text, data.about_record_type, data.about_record_id
    await load_visible_director(session, actor, director_id)
    _require_self(actor, director_id)
    if (about_record_type is None) != (about_record_id is None):
        raise RuleViolation("Name both about_record_type and about_record_id, or neither for the whole file.")
    if about_record_type is not None:
        model: Any = ANSWERABLE.get(about_record_type)
        if model is None:
            kinds = ", ".join(sorted(ANSWERABLE))
            raise RuleViolation(f"A statement can answer a {kinds}; not a {about_record_type}.")
        exists = await session.execute(
            sa.select(sa.literal(1)).where(col(model.id) == about_record_id, col(model.director_id) == director_id)
        )
        if exists.first() is None:
            raise RuleViolation(f"Your file has no {about_record_type} {about_record_id} to answer.")
    row = Statement(
        director_id=director_id,
        about_record_type=about_record_type,
        about_record_id=str(about_record_id) if about_record_id else None,
        text=text,
        version=1,
    )
    statement = await add_part(session, actor, STATEMENTS, row)
    await emit(
        session,
        EventType.STATEMENT_ADDED,
        director_id=director_id,
        record_type="statement",
        record_id=str(statement.id),
        payload={"about_record_type": about_record_type or "file"},
    )
    return statement


async def _own_statement(session: AsyncSession, actor: Actor, director_id: uuid.UUID, statement_id: uuid.UUID) -> Any:
    await load_visible_director(session, actor, director_id)
    _require_self(actor, director_id)
    return await load_part(session, STATEMENTS, director_id, statement_id, lock=True)


async def revise_statement(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: PartChange
) -> Statement:
    """The director rewords their statement (the earlier wording stays in the history)."""
    statement = await _own_statement(session, actor, director_id, data.part_id)
    revised: Statement = await change_part(
        session,
        actor,
        STATEMENTS,
        statement,
        expected_version=data.expected_version,
        changes={"text": data.changes["text"]},
    )
    return revised


async def withdraw_statement(
    session: AsyncSession, actor: Actor, _settings: Settings, director_id: uuid.UUID, data: PartWithdrawal
) -> Statement:
    """The director withdraws their statement."""
    statement = await _own_statement(session, actor, director_id, data.part_id)
    withdrawn: Statement = await withdraw_part(
        session, actor, STATEMENTS, statement, expected_version=data.expected_version, reason=data.reason
    )
    return withdrawn


STATEMENTS = PartKind(
    Statement,
    "statement",
    "statement",
    ("created_at",),
    add=add_statement,
    change=revise_statement,
    withdraw=withdraw_statement,
)
