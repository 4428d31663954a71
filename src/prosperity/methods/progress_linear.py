"""Progress towards a target by linear projection: the German Sustainable Development Strategy's
"weather symbols" (dns-indikatoren.de, Status).

"First the average annual change over the last five years is calculated by means of the last six data
points. This value is imputed for all years up to the target year. [The resulting] hypothetical value is
compared to the target value": reached or missed by less than 5% of the difference between the target
value and the current value → sun; missed by 5% to 20% → sun behind a cloud (both on track); developing
in the desired direction but missing by more than 20% → cloud; not developing in the desired direction
→ thunderstorm (both off track). At least four points are needed in the five-year window.

Unlike CAGR methods, a linear projection handles a target of zero (net zero).
With gaps in the window, the average annual change is the change between its first and last points
divided by the years between them (for six annual points, the mean of the five annual changes).
A quantity that cannot go negative (emissions, counts) is projected no lower than zero (``floor=0``): a
straight line would otherwise report a negative quantity in the target year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from prosperity.methods._types import MethodError, MethodResult, Polarity, meets, require_finite
from prosperity.methods.thresholds import (
    DNS_MIN_POINTS,
    DNS_SUN_CLOUD_MAX_MISS,
    DNS_SUN_MAX_MISS,
    DNS_WINDOW_YEARS,
)

SOURCE_DNS = (
    "German Sustainable Development Strategy indicator status ('weather symbols'), dns-indikatoren.de/en/"
    "status; Federal Statistical Office (Destatis) indicator report methodology"
)


class WeatherSymbol(StrEnum):
    SUN = "sun"
    SUN_BEHIND_CLOUD = "sun_behind_cloud"
    CLOUD = "cloud"
    THUNDERSTORM = "thunderstorm"
    NOT_ASSESSED = "not_assessed"


@dataclass(frozen=True, kw_only=True)
class LinearProjection(MethodResult):
    target_value: float
    target_year: int
    polarity: Polarity
    points_used: tuple[tuple[int, float], ...]
    current_year: int | None
    current_value: float | None
    annual_change: float | None
    projected_value: float | None
    #: target − current value (the "difference between the target value and the current value").
    gap: float | None
    #: the lowest value the quantity can take (0 for a quantity that cannot be negative), if any
    floor: float | None = None
    #: how far the projection falls short of the target, in the target's units (0 if it reaches it).
    projected_shortfall: float | None
    shortfall_share_of_gap: float | None
    target_achieved: bool
    symbol: WeatherSymbol
    on_track: bool | None
    message: str


def _window(series: Sequence[tuple[int, float | None]]) -> list[tuple[int, float]]:
    clean = sorted((int(t), float(v)) for t, v in series if v is not None and math.isfinite(v))
    if len({t for t, _ in clean}) != len(clean):
        raise MethodError("each period may appear only once in a series")
    if not clean:
        return []
    last = clean[-1][0]
    return [(t, v) for t, v in clean if t >= last - DNS_WINDOW_YEARS]


def average_annual_change(series: Sequence[tuple[int, float | None]]) -> tuple[float | None, list]:
    """The DNS average annual change over the last five years, and the points it used."""
    window = _window(series)
    if len(window) < DNS_MIN_POINTS:
        return None, window
    (t0, y0), (t1, y1) = window[0], window[-1]
    return (y1 - y0) / (t1 - t0), window


def linear_projection_status(
    series: Sequence[tuple[int, float | None]],
    target_value: float,
    target_year: int,
    polarity: Polarity,
    *,
    floor: float | None = None,
) -> LinearProjection:
    """Weather symbol for reaching ``target_value`` by ``target_year`` on the recent linear trend.

    ``polarity`` says which side of the target counts as meeting it (for example lower is better for
    emissions with a net-zero target). ``floor`` stops the projection at the lowest value the quantity can
    take (0 for emissions). Sun and sun behind a cloud are on track; cloud and thunderstorm are off track
    ("on-track indicator" / "off-track indicator", dns-indikatoren.de/en/status).
    """
    target_value = require_finite("target value", target_value)
    rate, window = average_annual_change(series)
    base = {
        "method": "dns-linear-projection",
        "source": SOURCE_DNS,
        "target_value": target_value,
        "target_year": target_year,
        "polarity": polarity,
        "points_used": tuple(window),
        "floor": floor,
    }
    if rate is None:
        return LinearProjection(
            **base,
            current_year=window[-1][0] if window else None,
            current_value=window[-1][1] if window else None,
            annual_change=None,
            projected_value=None,
            gap=None,
            projected_shortfall=None,
            shortfall_share_of_gap=None,
            target_achieved=False,
            symbol=WeatherSymbol.NOT_ASSESSED,
            on_track=None,
            message=f"at least {DNS_MIN_POINTS} points in the last {DNS_WINDOW_YEARS} years are needed; "
            f"found {len(window)}",
        )
    current_year, current = window[-1]
    gap = target_value - current
    years_left = max(target_year - current_year, 0)
    projected = current + rate * years_left
    if floor is not None:
        projected = max(projected, floor)
    achieved = meets(current, target_value, polarity)
    if achieved or gap == 0:
        symbol, shortfall, share = WeatherSymbol.SUN, 0.0, 0.0
        message = "the latest value already meets the target"
    elif rate * gap <= 0:
        symbol, shortfall, share = WeatherSymbol.THUNDERSTORM, abs(target_value - projected), None
        message = "the indicator is not moving towards the target"
    else:
        shortfall = max(0.0, (target_value - projected) * math.copysign(1.0, gap))
        share = shortfall / abs(gap)
        if share < DNS_SUN_MAX_MISS:
            symbol = WeatherSymbol.SUN
        elif share <= DNS_SUN_CLOUD_MAX_MISS:
            symbol = WeatherSymbol.SUN_BEHIND_CLOUD
        else:
            symbol = WeatherSymbol.CLOUD
        message = (
            f"at {rate:+.4g} a year the value would be {projected:.4g} in {target_year}, "
            f"missing the target by {share:.0%} of the current gap"
            if shortfall
            else f"at {rate:+.4g} a year the target would be reached by {target_year}"
        )
    return LinearProjection(
        **base,
        current_year=current_year,
        current_value=current,
        annual_change=rate,
        projected_value=projected,
        gap=gap,
        projected_shortfall=shortfall,
        shortfall_share_of_gap=share,
        target_achieved=achieved,
        symbol=symbol,
        on_track=symbol in (WeatherSymbol.SUN, WeatherSymbol.SUN_BEHIND_CLOUD),
        message=message,
    )
