"""What every benchmark does with its results: print them, and append them to RESULTS.md when asked."""

from __future__ import annotations

from pathlib import Path


def publish(lines: list[str], write: Path | None) -> None:
    """Print a Markdown section and, with ``write``, append it to that file."""
    text = "\n".join(lines)
    print(text)
    if write:
        with write.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
