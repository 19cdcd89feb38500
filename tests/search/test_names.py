"""The search-name normaliser and the one-typo word matching it relies on."""

import random
import string

import pytest

from register.names import normalise_name
from register.search.names import deletion_variants, director_name_rows, name_tokens


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("Siobhán ", "O'Brien-Ní"), "siobhan obrien ni"),
        (("  JOHN", "smith  "), "john smith"),
        (("Zoë", "Løkke-Ærø"), "zoe lokke aero"),
        (("Anne-Marie", "St. John"), "anne marie st john"),
        (("Ngozi", "O\u2019Neill"), "ngozi oneill"),
        (("Straße",), "strasse"),
        (("!!",), ""),
    ],
)
def test_names_are_normalised_for_search(parts: tuple[str, ...], expected: str) -> None:
    assert normalise_name(*parts) == expected


def _one_typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(len(word))
    kind = rng.choice(["sub", "del", "ins", "swap"])
    if kind == "sub":
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i + 1 :]
    if kind == "del":
        return word[:i] + word[i + 1 :]
    if kind == "ins":
        return word[:i] + rng.choice(string.ascii_lowercase) + word[i:]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def test_a_word_one_typo_away_always_shares_a_deletion_variant() -> None:
    rng = random.Random(7)  # noqa: S311 (test data)
    for word in ["smith", "raghunathan", "jo", "obrien", "okafor", "ng"]:
        for _ in range(200):
            typo = _one_typo(word, rng)
            if typo:
                assert deletion_variants(word) & deletion_variants(typo), (word, typo)


def test_distant_words_do_not_match() -> None:
    assert not deletion_variants("smith") & deletion_variants("jones")
    assert "" not in deletion_variants("a")


def test_director_rows_hold_current_and_distinct_former_names() -> None:
    rows = director_name_rows(
        None,  # type: ignore[arg-type]
        "Amara",
        "Okafor",
        [{"given_name": "Amara", "family_name": "Nwosu"}, {"given_name": "AMARA", "family_name": "Nwosu "}],
    )
    assert [(r["kind"], r["name"]) for r in rows] == [("current", "amara okafor"), ("former", "amara nwosu")]
    assert name_tokens("anne marie anne") == ["anne", "marie"]
