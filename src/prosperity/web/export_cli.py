"""``prosperity export-site DIR``: the dashboard and the read-only API as static files (see :mod:`.export`)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from prosperity.cli_options import DbOption, fail
from prosperity.errors import ProsperityError

err = Console(stderr=True)


def _codes(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None


def export_site_cmd(
    out: Annotated[Path, typer.Argument(help="A new or empty folder to write the site into.")],
    db: DbOption = None,
    areas: Annotated[str | None, typer.Option(help="Area codes, comma-separated, whose pages and responses to write "
                                              "[default: the areas the site's area index lists].")] = None,  # fmt: skip
    all_areas: Annotated[bool, typer.Option("--all-areas", help="Also every other area with stored "
                                            "assessments.")] = False,  # fmt: skip
    indicators: Annotated[str | None, typer.Option(help="Framework indicator ids, comma-separated [default: "
                                                   "all].")] = None,  # fmt: skip
    downloads: Annotated[bool, typer.Option("--downloads/--no-downloads", help="Include the bulk download (every "
                                            "table as CSV, and a zip).")] = True,  # fmt: skip
    base_url: Annotated[str, typer.Option(help="The address the site will be served at (absolute links inside the "
                                          "API's JSON use it).")] = "http://127.0.0.1:8000",  # fmt: skip
    framework: Annotated[Path | None, typer.Option(help="Framework folder [default: the shipped one].")] = None,
) -> None:
    """Write the public dashboard and the read-only API responses as static files for any static host or CDN.

    Example: prosperity export-site site --base-url https://prosperity.example.org
    """
    from prosperity.warehouse import default_db
    from prosperity.web.export import export_site

    started = time.perf_counter()
    shown = [0.0]

    def progress(url: str, n: int) -> None:
        if sys.stderr.isatty() and time.perf_counter() - shown[0] > 0.5:
            shown[0] = time.perf_counter()
            err.print(f"{n:,} files; {escape(url[:100])}", end="\r", highlight=False)

    try:
        s = export_site(db or default_db(), out, framework=framework, areas=_codes(areas), all_areas=all_areas,
                        indicators=_codes(indicators), downloads=downloads, base_url=base_url,
                        progress=progress)  # fmt: skip
    except ProsperityError as e:
        raise fail(e) from None
    err.print(f"Wrote {len(s.files):,} files ({s.pages:,} pages, {s.bytes / 2**20:,.1f} MiB) to {escape(str(out))} "
              f"in {time.perf_counter() - started:.1f} s; {len(s.unlinked):,} linked pages lie outside the chosen "
              "areas and indicators and are shown as text. export.json lists every file with the URL it answers.",
              highlight=False, soft_wrap=True)  # fmt: skip
    for url, why in list(s.refused.items())[:10]:
        err.print(f"Left out, the site refuses it: {escape(url)} ({escape(why)})", highlight=False, soft_wrap=True)
    for url, why in list(s.failed.items())[:10]:
        err.print(f"[yellow]Not exported:[/] {escape(url)} ({escape(why)})", highlight=False, soft_wrap=True)
    if s.failed:
        raise typer.Exit(1)
