"""Formats of ODS codes and professional registration numbers, and name matching keys."""

import pytest

from register.identifiers import (
    OrganisationKind,
    RegistrationBody,
    check_ods_code,
    check_registration_number,
    normalise_code,
)
from register.names import name_key, one_typo_apart

VALID_NUMBERS: list[tuple[RegistrationBody, str, str]] = [
    (RegistrationBody.GMC, "1234567", "1234567"),
    (RegistrationBody.GMC, " 7654321 ", "7654321"),
    (RegistrationBody.NMC, "01A2345N", "01A2345N"),
    (RegistrationBody.NMC, "01a 2345n", "01A2345N"),
    (RegistrationBody.HCPC, "PA123456", "PA123456"),
    (RegistrationBody.HCPC, "ph1", "PH1"),
    (RegistrationBody.GPHC, "2012345", "2012345"),
    (RegistrationBody.GDC, "123456", "123456"),
    (RegistrationBody.GDC, "1", "1"),
    (RegistrationBody.SWE, "SW123456", "SW123456"),
    (RegistrationBody.SWE, "sw 1234567", "SW1234567"),
    (RegistrationBody.OTHER, "ABC/12-3", "ABC/12-3"),
]

INVALID_NUMBERS: list[tuple[RegistrationBody, str]] = [
    (RegistrationBody.GMC, "123456"),  # six digits
    (RegistrationBody.GMC, "12345678"),  # eight digits
    (RegistrationBody.GMC, "123456A"),
    (RegistrationBody.GMC, ""),
    (RegistrationBody.NMC, "012345N"),  # no letter in third place
    (RegistrationBody.NMC, "01A23456"),  # no final letter
    (RegistrationBody.NMC, "1A2345N"),  # one leading digit
    (RegistrationBody.NMC, "01A2345NN"),
    (RegistrationBody.HCPC, "P123456"),  # one letter
    (RegistrationBody.HCPC, "PA1234567"),  # seven digits
    (RegistrationBody.HCPC, "PA"),  # no digits
    (RegistrationBody.GPHC, "1012345"),  # does not start with 2
    (RegistrationBody.GPHC, "201234"),  # six digits
    (RegistrationBody.GPHC, "20123456"),  # eight digits
    (RegistrationBody.GDC, "12345678"),  # eight digits
    (RegistrationBody.GDC, "12A456"),
    (RegistrationBody.GDC, ""),
    (RegistrationBody.SWE, "123456"),  # no SW prefix
    (RegistrationBody.SWE, "SW12345678"),  # eight digits
    (RegistrationBody.SWE, "SW"),
    (RegistrationBody.OTHER, "A" * 31),
    (RegistrationBody.OTHER, "AB#1"),
]


@pytest.mark.parametrize(("body", "number", "normalised"), VALID_NUMBERS)
def test_valid_registration_number_is_accepted_and_normalised(
    body: RegistrationBody, number: str, normalised: str
) -> None:
    assert check_registration_number(body, number) == normalised


@pytest.mark.parametrize(("body", "number"), INVALID_NUMBERS)
def test_invalid_registration_number_is_refused_with_its_format(body: RegistrationBody, number: str) -> None:
    with pytest.raises(ValueError, match=f"a {body.value} registration number is ") as caught:
        check_registration_number(body, number)
    assert "e.g." in str(caught.value) or body is RegistrationBody.OTHER


def test_every_registration_body_has_a_format() -> None:
    for body in RegistrationBody:
        with pytest.raises(ValueError, match=body.value):
            check_registration_number(body, "?")


@pytest.mark.parametrize(
    ("code", "kind", "normalised"),
    [
        ("RJ1", OrganisationKind.NHS_TRUST, "RJ1"),
        ("rj1", OrganisationKind.FOUNDATION_TRUST, "RJ1"),
        ("R0A", OrganisationKind.FOUNDATION_TRUST, "R0A"),
        ("QWE", OrganisationKind.ICB, "QWE"),
        (" qop ", OrganisationKind.ICB, "QOP"),
        ("X24", OrganisationKind.NATIONAL_BODY, "X24"),
        ("8HV48", OrganisationKind.OTHER, "8HV48"),
        ("RJ1", None, "RJ1"),
        ("ABCDE", None, "ABCDE"),
    ],
)
def test_valid_ods_code_is_accepted_for_its_kind(code: str, kind: OrganisationKind | None, normalised: str) -> None:
    assert check_ods_code(code, kind) == normalised


@pytest.mark.parametrize(
    ("code", "kind", "message"),
    [
        (
            "QWE",
            OrganisationKind.NHS_TRUST,
            "an NHS trust's ODS code is 3 letters or digits starting with R, e.g. RJ1; 'QWE' starts with Q, not R",
        ),
        (
            "RJ12",
            OrganisationKind.FOUNDATION_TRUST,
            "a foundation trust's ODS code is 3 letters or digits starting with R, e.g. RJ1; 'RJ12' has 4 characters",
        ),
        (
            "RJ1",
            OrganisationKind.ICB,
            "an ICB's ODS code is 3 letters or digits starting with Q, e.g. QWE; 'RJ1' starts with R, not Q",
        ),
        ("Q1", OrganisationKind.ICB, "3 to 5 letters or digits"),
        ("ABCDEF", None, "3 to 5 letters or digits"),
        ("R-1", OrganisationKind.NHS_TRUST, "3 to 5 letters or digits"),
        ("", OrganisationKind.OTHER, "3 to 5 letters or digits"),
        ("X2", OrganisationKind.NATIONAL_BODY, "3 to 5 letters or digits"),
    ],
)
def test_invalid_ods_code_is_refused_saying_the_format(code: str, kind: OrganisationKind | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_ods_code(code, kind)


def test_normalise_code_drops_all_whitespace_and_upper_cases() -> None:
    assert normalise_code(" 01a\t2345 n\n") == "01A2345N"


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("Siobhán ", "O'Brien-Ní"), "siobhanobrienni"),
        (("SIOBHAN", "OBRIEN NI"), "siobhanobrienni"),
        (("  siobhan  ", "o\u2019brien \u2013 ni"), "siobhanobrienni"),  # typographic apostrophe and dash
        (("Zoë", "Brontë"), "zoebronte"),
        (("José", "Núñez"), "josenunez"),
        (("Anne-Marie", "Smith Jones"), "annemariesmithjones"),
        (("Straße",), "strasse"),
        (("ÅSA", "Ångström"), "asaangstrom"),
    ],
)
def test_name_key_ignores_case_accents_spaces_hyphens_and_apostrophes(parts: tuple[str, ...], key: str) -> None:
    assert name_key(*parts) == key


def test_name_key_still_tells_different_names_apart() -> None:
    assert name_key("Anne", "Smith") != name_key("Ann", "Smith")
    assert name_key("Sean", "Murphy") != name_key("Sian", "Murphy")


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("holisgrant", "hollisgrant", True),  # a letter dropped
        ("hollisgrant", "holisgrant", True),
        ("hollisgrant", "hollysgrant", True),  # a letter changed
        ("hollisgrant", "hlolisgrant", True),  # two neighbours swapped
        ("hollisgrant", "hollisgrant", False),  # the same: a duplicate, not a near match
        ("hollisgrant", "hollygrant", False),  # two typos
        ("annsmith", "annesmiht", False),
        ("ab", "ba", True),
        ("a", "", True),
    ],
)
def test_one_typo_apart(a: str, b: str, near: bool) -> None:
    assert one_typo_apart(a, b) is near
