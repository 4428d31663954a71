"""The gap to a benchmark in people's terms, where the rate has a denominator.

"The region would need N more residents in work to match England's employment rate": the gap to England
in absolute units (e.g. the jobs needed to match England's employment rate), by simple arithmetic:
``people = (benchmark rate − area rate) / unit × denominator``. For example an employment rate of 70% for
1,000,000 residents against 75% needs 50,000 more residents in work. The result names the denominator and
its period, since the answer is only as good as that population.
"""

from __future__ import annotations

from dataclasses import dataclass

from prosperity.methods._types import MethodError, MethodResult, Polarity, meets, require_finite

SOURCE_GAP = (
    "gap in absolute units: (benchmark rate − area rate) × denominator (gaps in people's terms where "
    "denominators exist)"
)


@dataclass(frozen=True, kw_only=True)
class PeopleGap(MethodResult):
    rate: float
    benchmark_rate: float
    unit: float
    denominator: float
    denominator_label: str
    denominator_period: str
    polarity: Polarity
    #: people needed to move into the counted group to match the benchmark (negative: fewer needed)
    people: float
    people_rounded: int
    #: True when the area is already at or beyond the benchmark in the better direction
    benchmark_met: bool
    explanation: str


def gap_in_people(
    rate: float,
    benchmark_rate: float,
    denominator: float,
    *,
    denominator_label: str,
    denominator_period: str,
    polarity: Polarity,
    counted: str = "people",
    unit: float = 100.0,
) -> PeopleGap:
    """How many more (or fewer) of ``denominator`` would have to be ``counted`` to match the benchmark.

    ``unit`` is 100 for a percentage, 1000 for a rate per thousand. ``counted`` names the numerator, e.g.
    "residents in work".
    """
    rate, benchmark_rate = require_finite("rate", rate), require_finite("benchmark rate", benchmark_rate)
    denominator, unit = require_finite("denominator", denominator), require_finite("unit", unit)
    if denominator <= 0 or unit <= 0:
        raise MethodError("the denominator and the unit must be positive")
    people = (benchmark_rate - rate) / unit * denominator
    rounded = round(people)
    met = meets(rate, benchmark_rate, polarity)
    more_or_fewer = "more" if people > 0 else "fewer"
    if rounded == 0:
        what = f"the rate matches the benchmark to within one of the {denominator_label}"
    elif met and polarity is not Polarity.NO_JUDGEMENT:
        what = f"the area is already better than the benchmark by {abs(rounded):,} {counted}"
    else:
        what = f"{abs(rounded):,} {more_or_fewer} {counted} would be needed to match the benchmark"
    return PeopleGap(
        method="gap-in-people",
        source=SOURCE_GAP,
        rate=rate,
        benchmark_rate=benchmark_rate,
        unit=unit,
        denominator=denominator,
        denominator_label=denominator_label,
        denominator_period=denominator_period,
        polarity=polarity,
        people=people,
        people_rounded=rounded,
        benchmark_met=met,
        explanation=(
            f"At {rate:g} against {benchmark_rate:g} per {unit:g}, among {denominator:,.0f} "
            f"{denominator_label} ({denominator_period}), {what}."
        ),
    )
