"""Name normalisation for matching people: case, accents, spacing and punctuation do not count.

One normaliser serves the duplicate check, the candidate look-up and search, so that a person is one
person to all three ("Søren Łukasz" and "Soren Lukasz" alike).
"""

import unicodedata

# Letters NFKD does not take apart into a base letter and an accent.
_FOLD = str.maketrans({"æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "œ": "oe", "\u0131": "i"})
# Joined, not split: O'Brien is matched as "obrien" whichever way it is typed.
_JOINERS = frozenset("'\u2019\u2018`\u00b4")


def normalise_name(*parts: str) -> str:
    """``("Siobhán ", "O'Brien-Ní")`` → ``"siobhan obrien ni"``: lower case, accents stripped, apostrophes joined,
    hyphens and other marks as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold().translate(_FOLD)
    out = []
    for c in text:
        if c.isalnum():
            out.append(c)
        elif c not in _JOINERS:
            out.append(" ")
    return " ".join("".join(out).split())


def name_key(*parts: str) -> str:
    """A key for exact matching after normalisation: ``("Siobhán ", "O'Brien-Ní")`` → ``"siobhanobrienni"``."""
    return normalise_name(*parts).replace(" ", "")


def one_typo_apart(a: str, b: str) -> bool:
    """The two keys differ by exactly one typo: a letter changed, added or dropped, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) < len(b):  # one letter added to ``a``
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:  # one letter changed
        return True
    return i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
