"""Finding the council of a postcode, live from the publisher: the ONS Postcode Directory on ONS's Open Geography
Portal (an ArcGIS feature service of every current and terminated UK postcode, with the codes of the areas it is
in). The warehouse holds no postcode directory, so each lookup is one request to ONS; when ONS cannot be reached,
the page says so plainly and offers the search by name.

>>> lookup("L2 3SW")                                   # doctest: +SKIP
Postcode(postcode='L2 3SW', council='E08000012', terminated=None)

The service's location is a setting (``PROSPERITY_ONSPD_URL``). Its field for the council (local authority
district) carries the year of the boundaries (``LAD25CD``, next year ``LAD26CD``): the newest one is read, so a new
edition of the directory needs no code change.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from prosperity.errors import ProsperityError

#: ONS Postcode Directory (latest), postcode centroids, on the ONS Open Geography Portal.
ONSPD_URL = ("https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/"
             "ONSPD_Online_latest_Postcode_Centroids/FeatureServer/0/query")  # fmt: skip
SOURCE = "ONS Postcode Directory (Office for National Statistics, Open Geography Portal)"
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_LAD = re.compile(r"^LAD(\d{2})CD$", re.I)
_OLD_LAD = ("OSLAUA", "LAUA")


class PostcodeUnavailable(ProsperityError):
    """The postcode service could not be reached or gave an answer that cannot be read."""


@dataclass(frozen=True)
class Postcode:
    postcode: str  # as ONS writes it: "L2 3SW"
    council: str | None  # GSS code of the local authority district, None if the directory gives none
    terminated: str | None = None  # the month a terminated postcode stopped being used (YYYYMM), else None


def normalise(text: str) -> str | None:
    """``text`` as a postcode in ONS's form ("l23sw" → "L2 3SW"), or None if it is not shaped like one."""
    m = POSTCODE.match(" ".join(text.upper().split()))
    return f"{m.group(1)} {m.group(2)}" if m else None


def service_url() -> str:
    return os.environ.get("PROSPERITY_ONSPD_URL") or ONSPD_URL


def lookup(text: str, client: httpx.Client | None = None) -> Postcode | None:
    """The council of a postcode, asked of ONS now. None if ONS does not know the postcode.

    :raises PostcodeUnavailable: ONS could not be reached (or answered with something unreadable)
    :raises ValueError: ``text`` is not shaped like a postcode
    """
    from prosperity.errors import SourceError
    from prosperity.sources.live.client import LiveSettings, PoliteClient

    code = normalise(text)
    if code is None:
        raise ValueError(f"{text[:20]!r} is not a postcode")
    # one quick try: a page is waiting (no retries, short timeouts)
    settings = dataclasses.replace(LiveSettings.from_env(), retries=0, connect_timeout=4.0, read_timeout=8.0)
    params = {"where": f"PCDS='{code}'", "outFields": "*", "returnGeometry": "false", "f": "json"}
    try:
        with PoliteClient("other", client=client, settings=settings) as polite:
            answer = polite.get_json(service_url(), params)
    except (SourceError, httpx.HTTPError, OSError) as e:
        raise PostcodeUnavailable(f"the ONS Postcode Directory could not be reached ({str(e).splitlines()[0]})") from None
    return parse(answer, code)


def parse(answer: Any, code: str) -> Postcode | None:
    """Read the feature service's JSON answer for one postcode."""
    if not isinstance(answer, Mapping):
        raise PostcodeUnavailable("the ONS Postcode Directory answered with something other than a JSON object")
    if "error" in answer:
        err = answer["error"] if isinstance(answer["error"], Mapping) else {}
        raise PostcodeUnavailable(f"the ONS Postcode Directory answered with an error ({err.get('message', 'unknown')})")
    features = answer.get("features")
    if not isinstance(features, list):
        raise PostcodeUnavailable("the ONS Postcode Directory's answer has no list of features")
    rows = [f.get("attributes") for f in features if isinstance(f, Mapping) and isinstance(f.get("attributes"), Mapping)]
    if not rows:
        return None
    row = {str(k).upper(): v for k, v in rows[0].items()}
    lad = sorted((int(m.group(1)), k) for k in row if (m := _LAD.match(k)) and row[k])
    council = row[lad[-1][1]] if lad else next((row[k] for k in _OLD_LAD if row.get(k)), None)
    terminated = row.get("DOTERM")
    return Postcode(str(row.get("PCDS") or code), str(council) if council else None,
                    str(terminated) if terminated not in (None, "") else None)  # fmt: skip
