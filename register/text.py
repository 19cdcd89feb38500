"""What text the register accepts: no control characters (PostgreSQL refuses NUL in text; the rest is never
meant), except the tab, line feed and carriage return of multi-line text (browsers send CRLF line endings)."""

import re
import unicodedata

# C0 controls, DEL and C1 controls (Unicode category Cc).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NAMES = {0x00: "NUL", 0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return", 0x1B: "escape", 0x7F: "DEL"}

TEXT_RULE = "text may not contain control characters other than tab, line feed and carriage return"
SINGLE_LINE_RULE = "parameters may not contain control characters (tabs and line breaks included)"


def control_character_problem(text: str, *, multi_line: bool = True) -> str | None:
    """What is wrong with ``text``, or None when it holds no refused control character."""
    found = (_CONTROL_IN_TEXT if multi_line else _CONTROL).search(text)
    if found is None:
        return None
    code = ord(found.group())
    name = _NAMES.get(code) or unicodedata.name(found.group(), "control character")
    rule = TEXT_RULE if multi_line else SINGLE_LINE_RULE
    return f"{rule}; this one has U+{code:04X} ({name}) at character {found.start() + 1}"


def shown(text: str, limit: int = 20) -> str:
    """``text`` quoted for a message: control characters escaped, cut at ``limit`` characters."""
    cut = text if len(text) <= limit else text[:limit] + "…"
    return "'" + _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", cut) + "'"
