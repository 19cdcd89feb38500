"""Formats of the NHS identifiers the register holds: ODS codes and professional registration numbers."""

import re
from enum import StrEnum

from register.text import shown


class OrganisationKind(StrEnum):
    """What sort of body an ODS code names."""

    NHS_TRUST = "nhs_trust"
    FOUNDATION_TRUST = "foundation_trust"
    ICB = "icb"
    NATIONAL_BODY = "national_body"
    OTHER = "other"


class Region(StrEnum):
    """The seven NHS England regions."""

    EAST_OF_ENGLAND = "east_of_england"
    LONDON = "london"
    MIDLANDS = "midlands"
    NORTH_EAST_AND_YORKSHIRE = "north_east_and_yorkshire"
    NORTH_WEST = "north_west"
    SOUTH_EAST = "south_east"
    SOUTH_WEST = "south_west"


class RegistrationBody(StrEnum):
    """Professional regulators whose registers a director may be on."""

    GMC = "GMC"
    NMC = "NMC"
    HCPC = "HCPC"
    GPHC = "GPhC"
    GDC = "GDC"
    SWE = "SWE"
    OTHER = "other"


# The one ODS code rule (DESIGN.md §2): trusts and ICBs have 3 characters, other bodies up to 5; letters in any
# case, spaces ignored. Stored upper-case in columns of 5 characters.
ODS_CODE = re.compile(r"^[A-Z0-9]{3,5}$")
ODS_CODE_PATTERN = r"^[A-Za-z0-9]{3,5}$"
ODS_CODE_RULE = "an ODS code is 3 to 5 letters or digits, e.g. RJ1"

# NHS trusts and foundation trusts have 3-character codes starting R; ICBs 3 starting Q.
_ODS_BY_KIND = {
    OrganisationKind.NHS_TRUST: ("R", "an NHS trust's ODS code is 3 letters or digits starting with R, e.g. RJ1"),
    OrganisationKind.FOUNDATION_TRUST: (
        "R",
        "a foundation trust's ODS code is 3 letters or digits starting with R, e.g. RJ1",
    ),
    OrganisationKind.ICB: ("Q", "an ICB's ODS code is 3 letters or digits starting with Q, e.g. QWE"),
}

_REGISTRATION_FORMATS: dict[RegistrationBody, tuple[re.Pattern[str], str]] = {
    RegistrationBody.GMC: (re.compile(r"^\d{7}$"), "7 digits, e.g. 1234567"),
    RegistrationBody.NMC: (
        re.compile(r"^\d{2}[A-Z]\d{4}[A-Z]$"),
        "2 digits, a letter, 4 digits, a letter, e.g. 01A2345N",
    ),
    RegistrationBody.HCPC: (re.compile(r"^[A-Z]{2}\d{1,6}$"), "2 letters and up to 6 digits, e.g. PA123456"),
    RegistrationBody.GPHC: (re.compile(r"^2\d{6}$"), "7 digits starting with 2, e.g. 2012345"),
    RegistrationBody.GDC: (re.compile(r"^\d{1,7}$"), "up to 7 digits, e.g. 123456"),
    RegistrationBody.SWE: (re.compile(r"^SW\d{1,7}$"), "SW and up to 7 digits, e.g. SW123456"),
    RegistrationBody.OTHER: (re.compile(r"^[A-Z0-9/-]{1,30}$"), "1 to 30 letters, digits, '/' or '-'"),
}


def normalise_code(value: str) -> str:
    """Upper-case and drop spaces, as codes are often written ``01a 2345n``."""
    return re.sub(r"\s+", "", value).upper()


def check_ods_code(code: str, kind: OrganisationKind | None = None) -> str:
    """Return the normalised ODS code, or raise ``ValueError`` saying the rule and what is wrong with ``code``."""
    normalised = normalise_code(code)
    if not ODS_CODE.match(normalised):
        raise ValueError(f"{ODS_CODE_RULE}; {_what_is_wrong(normalised)}")
    if kind in _ODS_BY_KIND:
        first, rule = _ODS_BY_KIND[kind]
        if len(normalised) != 3 or not normalised.startswith(first):
            raise ValueError(f"{rule}; {_what_is_wrong(normalised, length=3, first=first)}")
    return normalised


def _what_is_wrong(code: str, *, length: int | None = None, first: str | None = None) -> str:
    odd = next((c for c in code if not ("A" <= c <= "Z" or "0" <= c <= "9")), None)
    if not code:
        return "this one is empty"
    if odd is not None:
        return f"{shown(code)} contains {shown(odd)}"
    if len(code) != (length or len(code)) or not 3 <= len(code) <= 5:
        return f"{shown(code)} has {len(code)} characters"
    return f"{shown(code)} starts with {code[0]}, not {first}"


def check_registration_number(body: RegistrationBody, number: str) -> str:
    """Return the normalised registration number, or raise ``ValueError`` saying the body's format."""
    number = normalise_code(number)
    pattern, example = _REGISTRATION_FORMATS[body]
    if not pattern.match(number):
        raise ValueError(f"a {body.value} registration number is {example}")
    return number
