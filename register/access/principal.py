"""The authenticated caller, as read from a verified token's claims."""

import re
import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from register.identifiers import ODS_CODE


class Role(StrEnum):
    """The five kinds of register user."""

    TRUST_HR = "trust_hr"
    REGULATOR = "regulator"
    AUDITOR = "auditor"
    DIRECTOR = "director"
    ADMIN = "admin"


_SUB = re.compile(r"^[\w.@:+-]{1,200}$")


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller: subject, role, organisation (trust HR) and own director id (directors)."""

    sub: str
    role: Role
    org: str | None = None
    director_id: uuid.UUID | None = None

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> "Principal":
        """Build a principal, refusing claims that do not describe a register user."""
        sub = claims.get("sub")
        if not isinstance(sub, str) or not _SUB.fullmatch(sub):
            raise ValueError("the token's subject is missing or malformed")
        try:
            role = Role(str(claims.get("role")))
        except ValueError:
            raise ValueError("the token's role is not one the register knows") from None
        org = claims.get("org")
        if org is not None and (not isinstance(org, str) or not ODS_CODE.fullmatch(org)):
            raise ValueError("the token's org is not an ODS code")
        director_id: uuid.UUID | None = None
        if claims.get("director_id") is not None:
            try:
                director_id = uuid.UUID(str(claims["director_id"]))
            except ValueError:
                raise ValueError("the token's director_id is not a register id") from None
        if role is Role.TRUST_HR and org is None:
            raise ValueError("a trust_hr token must name its organisation in `org`")
        if role is Role.DIRECTOR and director_id is None:
            raise ValueError("a director token must carry `director_id`")
        return cls(
            sub=sub,
            role=role,
            org=org if role is Role.TRUST_HR else None,
            director_id=director_id if role is Role.DIRECTOR else None,
        )


@dataclass(frozen=True, slots=True)
class Actor:
    """A principal acting in one request: what the audit trail records besides the change itself."""

    principal: Principal
    request_id: str | None = None
    purpose: str | None = None
