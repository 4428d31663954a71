"""Reading spreadsheets and zip bundles as publishers release them.

- Spreadsheets in any of the formats government statisticians publish (legacy Excel ``.xls``, OpenDocument
  ``.ods``, ``.xlsx``) are read with python-calamine, one reader for all three; cells come back as Python values
  (empty cells as ``None``), so title rows, notes and markers are seen exactly as published.
- Zip bundles (Explore Education Statistics "download all data", DfT's table packs, ONS ad hoc tables) are
  opened with :mod:`zipfile`; members are found by an anchored pattern on their file name, and no member larger
  than :data:`MAX_MEMBER_BYTES` is read, so a damaged or hostile archive cannot exhaust memory or disk.

Every problem is a :class:`~prosperity.errors.ValidationError` naming the file (and the member or sheet).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from prosperity.errors import ValidationError

Row = tuple[Any, ...]
#: The largest archive member read (uncompressed): the biggest real one in the mirror is about 11 MB.
MAX_MEMBER_BYTES = 200 * 1024 * 1024


def read_workbook(source: Path | bytes, name: str, wanted: Callable[[str], bool]) -> dict[str, list[Row]]:
    """Every row of each sheet whose name ``wanted`` accepts, as tuples (``None`` for an empty cell)."""
    from python_calamine import CalamineError, CalamineWorkbook  # imported here: only needed when a file changes

    try:
        wb = (CalamineWorkbook.from_path(str(source)) if isinstance(source, Path)
              else CalamineWorkbook.from_filelike(io.BytesIO(source)))  # fmt: skip
    except (CalamineError, OSError, ValueError) as e:
        raise ValidationError(name, f"not a readable spreadsheet (.xls, .xlsx or .ods): {e}") from None
    out: dict[str, list[Row]] = {}
    try:
        for sheet in wb.sheet_names:
            if not wanted(sheet):
                continue
            try:
                rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except (CalamineError, ValueError) as e:
                raise ValidationError(f"{name} [{sheet}]", f"the sheet cannot be read: {e}") from None
            out[sheet] = [tuple(None if c == "" else c for c in r) for r in rows]
    finally:
        wb.close()
    return out


def cell_text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _open_zip(path: Path, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as e:
        raise ValidationError(name, f"not a readable zip archive ({e})") from None


def zip_members(path: Path, name: str, pattern: re.Pattern[str]) -> list[str]:
    """The archive's members whose file name (without folders) matches ``pattern`` in full, in name order."""
    with _open_zip(path, name) as zf:
        return sorted(m for m in zf.namelist() if not m.endswith("/") and pattern.fullmatch(m.rsplit("/", 1)[-1]))


def read_member(path: Path, name: str, member: str) -> bytes:
    """One member's bytes, refusing a member larger than :data:`MAX_MEMBER_BYTES`."""
    with _open_zip(path, name) as zf:
        info = zf.getinfo(member)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ValidationError(f"{name}!{member}", f"member of {info.file_size:,} bytes is larger than the "
                                  f"{MAX_MEMBER_BYTES:,} bytes allowed")  # fmt: skip
        try:
            return zf.read(member)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ValidationError(f"{name}!{member}", f"damaged archive member ({e})") from None


@contextmanager
def extracted(path: Path, name: str, members: list[str]) -> Iterator[dict[str, Path]]:
    """Members written to a temporary folder for readers that need a file (DuckDB's CSV reader), removed after."""
    with TemporaryDirectory(prefix="prosperity-zip-") as tmp, _open_zip(path, name) as zf:
        out: dict[str, Path] = {}
        for i, member in enumerate(members):
            info = zf.getinfo(member)
            if info.file_size > MAX_MEMBER_BYTES:
                raise ValidationError(f"{name}!{member}", f"member of {info.file_size:,} bytes is larger than the "
                                      f"{MAX_MEMBER_BYTES:,} bytes allowed")  # fmt: skip
            dest = Path(tmp) / f"{i}-{Path(member).name}"
            try:
                with zf.open(member) as src, dest.open("wb") as fh:
                    shutil.copyfileobj(src, fh)
            except (zipfile.BadZipFile, OSError, EOFError) as e:
                raise ValidationError(f"{name}!{member}", f"damaged archive member ({e})") from None
            out[member] = dest
        yield out
