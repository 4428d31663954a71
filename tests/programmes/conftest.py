"""Fixtures for the programme store: a fresh store per test, the illustrative return as a workbook to break."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, text

from prosperity.programmes.importer import read_iati, read_return
from prosperity.programmes.returns import Return
from prosperity.programmes.store import ProgrammeStore, save_return
from prosperity.programmes.template import example_tables, write_csv_bundle, write_workbook
from prosperity.programmes.validate import Framework, check_return, framework_ids

ROUND = "2025-26-H1"
TODAY = date(2026, 1, 15)  # a fixed "today" after the round, so that the tests do not depend on the clock
DATA = Path(__file__).parent / "data"
STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "reference" / "standards"


@pytest.fixture(scope="session")
def fw() -> Framework:
    return framework_ids()


@pytest.fixture
def store(tmp_path: Path) -> ProgrammeStore:
    s = ProgrammeStore.open(tmp_path / "programmes.sqlite")
    yield s
    s.close()


@pytest.fixture
def tables() -> dict[str, list[dict[str, Any]]]:
    return example_tables(ROUND)


@pytest.fixture(scope="session")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template filled with the illustrative return (read-only: copy it to break it)."""
    return write_workbook(tmp_path_factory.mktemp("template") / "return.xlsx", example_tables(ROUND))


@pytest.fixture
def copy(workbook: Path, tmp_path: Path):
    """A copy of the workbook, edited by ``edits``: {(sheet, cell): value}; returns its path."""

    def make(edits: dict[tuple[str, str], Any] | None = None, name: str = "return.xlsx") -> Path:
        dest = tmp_path / name
        shutil.copyfile(workbook, dest)
        if edits:
            wb = load_workbook(dest)
            for (sheet, cell), v in edits.items():
                wb[sheet][cell] = v
            wb.save(dest)
        return dest

    return make


def check(ret: Return, store: ProgrammeStore, fw: Framework, today: date = TODAY) -> Return:
    with store.session() as s:
        return check_return(ret, s, fw, today=today)


def import_file(path: Path, store: ProgrammeStore, fw: Framework, today: date = TODAY) -> tuple[Return, int | None]:
    """Read, check and (if it has no error) store a return, as `prosperity programmes import` does."""
    ret = check(read_return(path), store, fw, today)
    if ret.errors:
        return ret, None
    with store.session() as s:
        return ret, save_return(s, ret)


def import_iati(path: Path, store: ProgrammeStore, fw: Framework, **kw: Any) -> tuple[Return, int | None]:
    args = {"round_id": ROUND, "fund": "local", "programme": "AA-PROG", "organisation": "Organisation name",
            "submitted_by": "A. Tester", "today": TODAY} | kw  # fmt: skip
    ret = check(read_iati(path, **args), store, fw, args["today"])
    if ret.errors:
        return ret, None
    with store.session() as s:
        return ret, save_return(s, ret)


def dump(store: ProgrammeStore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to show that a rejected return changed nothing."""
    names = inspect(store.engine).get_table_names()
    with store.engine.connect() as c:
        return {n: sorted(map(tuple, c.execute(text(f'SELECT * FROM "{n}"')).all()), key=repr) for n in names}


def csv_bundle(tmp_path: Path, tables: dict[str, list[dict[str, Any]]]) -> Path:
    return write_csv_bundle(tmp_path / "bundle", tables)
