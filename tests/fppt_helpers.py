"""Shared set-up for the FPPT cycle tests: a board with a chair and an SID, and short-hands for the API."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from register.checks.models import ANNUAL_REQUIRED, OUTCOME_ONLY_TYPES, CheckType
from tests.conftest import TokenFactory

NO_TO_ALL = {
    item: {"answer": False}
    for item in (
        "undischarged_bankruptcy",
        "bankruptcy_restrictions",
        "debt_relief_order",
        "arrangement_with_creditors",
        "barred_lists",
        "prohibited_from_office",
        "convictions",
        "struck_off",
    )
}


@dataclass
class Board:
    """RJ1's board (chair, SID, chief executive, a NED) and the chair of another trust, RRV."""

    client: httpx.AsyncClient
    auth: TokenFactory
    chair: str
    sid: str
    ceo: str
    ned: str
    other_chair: str

    def hr(self, org: str = "RJ1") -> dict[str, str]:
        return self.auth("trust_hr", org=org, sub=f"hr-{org.lower()}")

    def director(self, director_id: str) -> dict[str, str]:
        return self.auth("director", director_id=director_id, sub=f"director-{director_id[-6:]}")

    def regulator(self) -> dict[str, str]:
        return self.auth("regulator", sub="nhse-london")

    async def record_check(
        self,
        director_id: str,
        check_type: CheckType | str,
        *,
        result: str = "clear",
        performed_on: dt.date | None = None,
        org: str = "RJ1",
        **extra: Any,
    ) -> dict[str, Any]:
        check_type = CheckType(check_type)
        body: dict[str, Any] = {
            "check_type": check_type.value,
            "result": result,
            "performed_on": (performed_on or dt.date.today()).isoformat(),
            "performed_by": "Company Secretary",
            **{k: v.isoformat() if isinstance(v, dt.date) else v for k, v in extra.items()},
        }
        if check_type not in OUTCOME_ONLY_TYPES and "evidence_reference" not in extra:
            body["evidence_reference"] = f"FPPT/{check_type.value}/1"
        response = await self.client.post(f"/v1/directors/{director_id}/checks", json=body, headers=self.hr(org))
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def complete_checks(
        self,
        director_id: str,
        *,
        performed_on: dt.date | None = None,
        types: Iterable[CheckType] = ANNUAL_REQUIRED,
        org: str = "RJ1",
    ) -> dict[CheckType, dict[str, Any]]:
        return {t: await self.record_check(director_id, t, performed_on=performed_on, org=org) for t in types}

    async def new_assessment(
        self, director_id: str, *, kind: str = "annual", org: str = "RJ1", **extra: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/directors/{director_id}/assessments", json={"kind": kind, **extra}, headers=self.hr(org)
        )
        assert response.status_code == 201, response.text
        data: dict[str, Any] = response.json()
        return data

    async def submit(self, assessment: dict[str, Any], org: str = "RJ1") -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/directors/{assessment['director_id']}/assessments/{assessment['id']}/submit",
            headers={**self.hr(org), "If-Match": f'"{assessment["version"]}"'},
        )
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def sign_off(
        self, assessment: dict[str, Any], signer: str, outcome: str = "fit_and_proper", **extra: Any
    ) -> httpx.Response:
        return await self.client.post(
            f"/v1/directors/{assessment['director_id']}/assessments/{assessment['id']}/sign-off",
            json={"outcome": outcome, **extra},
            headers={**self.director(signer), "If-Match": f'"{assessment["version"]}"'},
        )

    async def ready_for_sign_off(self, director_id: str, *, kind: str = "annual", **extra: Any) -> dict[str, Any]:
        """All annual checks clear, an assessment created and submitted."""
        await self.complete_checks(director_id)
        return await self.submit(await self.new_assessment(director_id, kind=kind, **extra))

    async def attest(self, director_id: str, **overrides: Any) -> httpx.Response:
        body = {"answers": NO_TO_ALL, **overrides}
        return await self.client.post(
            f"/v1/directors/{director_id}/attestations", json=body, headers=self.director(director_id)
        )


async def make_board(client: httpx.AsyncClient, auth: TokenFactory, create_director: Callable[..., Any]) -> Board:
    """Create RJ1's board and RRV's chair through the API (appointments from 2024-01-01)."""

    def appointment(role: str, **flags: Any) -> dict[str, Any]:
        return {"board_role": role, "appointment_type": "permanent", "start_date": "2024-01-01", **flags}

    chair = await create_director(given_name="Cara", appointment=appointment("chair"))
    sid = await create_director(
        given_name="Sanjay",
        appointment=appointment("non_executive_director", senior_independent_director=True),
    )
    ceo = await create_director(given_name="Erin", appointment=appointment("chief_executive"))
    ned = await create_director(given_name="Nadia", appointment=appointment("non_executive_director"))
    other_chair = await create_director(org="RRV", given_name="Otto", appointment=appointment("chair"))
    return Board(
        client=client,
        auth=auth,
        chair=chair["id"],
        sid=sid["id"],
        ceo=ceo["id"],
        ned=ned["id"],
        other_chair=other_chair["id"],
    )
