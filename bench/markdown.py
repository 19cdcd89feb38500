"""Writing a benchmark's figures into its section of a Markdown page (docs/benchmarks.md, docs/reliability.md)."""

from pathlib import Path


def write_section(path: Path, section: str, title: str) -> None:
    """Replace the section whose heading line is ``title`` (up to the next ``## `` heading), or append it at the
    end; every other section stays as it is."""
    lines = path.read_text().rstrip("\n").split("\n") if path.exists() else []
    new = section.strip("\n").split("\n")
    start = next((i for i, line in enumerate(lines) if line == title), None)
    if start is None:
        lines = [*lines, "", *new] if lines else new
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines = [*lines[:start], *new, *([""] if end < len(lines) else []), *lines[end:]]
    path.write_text("\n".join(lines) + "\n")
