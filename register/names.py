"""Name normalisation for matching people: case, accents, spacing and punctuation do not count."""

import unicodedata


def name_key(*parts: str) -> str:
    """A key for exact matching after normalisation: ``("Siobhán ", "O'Brien-Ní")`` → ``"siobhanobrienni"``."""
    text = unicodedata.normalize("NFKD", " ".join(parts))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return "".join(c for c in text if c.isalnum())
