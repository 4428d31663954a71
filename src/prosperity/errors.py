"""Named exceptions of the core library.

The command line and the web layer turn these into clean messages; the core never prints.
"""

from __future__ import annotations


class ProsperityError(Exception):
    """Base class of every error the library raises on purpose."""


class SourceError(ProsperityError):
    """A source file could not be found, fetched or read."""


class ValidationError(ProsperityError):
    """A file's content broke a rule. Carries where (file, row, column) and what was expected."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.detail = message
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class MissingDataFile(SourceError):
    """A dataset's metadata exists but its data file does not."""


class WarehouseError(ProsperityError):
    """The warehouse file is missing, locked, or of an unknown schema."""


class NotFound(ProsperityError):
    """An indicator, area or release asked for does not exist."""
