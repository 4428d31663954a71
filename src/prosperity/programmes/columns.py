"""The return's tables and columns, declared once: the template is written from this, and imports read by it.

A return is one workbook (one sheet per table) or a CSV bundle (one file per table, named by ``Sheet.csv``).
Column kinds: ``text``, ``code`` (an identifier such as ``TD-RCN-03``), ``date`` (a day), ``money`` (pounds, to
the penny), ``number``, ``integer``, ``choice`` (one of ``choices``), ``fy`` (a financial year, ``2025-26``),
``round`` (``2025-26-H1``), ``ids`` (identifiers separated by ``;``) and ``yesno``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TEMPLATE_VERSION = "1.0"

#: IATI ActivityStatus codes 1-6 (IATI-Codelists ActivityStatus.xml)
ACTIVITY_STATUS = {"pipeline": 1, "implementation": 2, "finalisation": 3, "closed": 4, "cancelled": 5, "suspended": 6}
#: Towns Fund round 4 "Current Project Delivery Stage", plus a stage for finished projects
DELIVERY_STAGES = ("feasibility", "planning and design", "initiation", "project delivery", "near completion",
                   "complete")  # fmt: skip
#: Towns Fund round 4 "Project Delivery Status" (1. Not yet started … 5. Other)
DELIVERY_STATUS = ("not yet started", "on track", "delayed", "completed", "other")
#: the five-point delivery confidence scale of the Infrastructure and Projects Authority, as the Pathfinder returns use
RAG5 = ("green", "amber/green", "amber", "amber/red", "red")
EXPENSE_TYPES = ("capital", "revenue")
#: IATI TransactionType: 4 Expenditure, 3 Disbursement, 2 Outgoing Commitment, 1 Incoming Funds
TRANSACTION_TYPES = {"expenditure": 4, "disbursement": 3, "commitment": 2, "incoming funds": 1}
SPEND_TYPES = ("expenditure", "disbursement")
#: IATI IndicatorMeasure 1-5
MEASURES = {"unit": 1, "percentage": 2, "nominal": 3, "ordinal": 4, "qualitative": 5}
RESULT_KINDS = {"output": 1, "outcome": 2}
MILESTONE_STATUS = ("not started", "on track", "at risk", "complete", "missed")
CHANGE_KINDS = ("spend", "output", "outcome", "timing", "scope", "capital to revenue")
CHANGE_STATUS = ("not required", "expected", "submitted", "approved", "rejected")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""
    width: int = 18


@dataclass(frozen=True)
class Sheet:
    key: str
    name: str  # the sheet's name in the workbook
    csv: str  # the file's name in a CSV bundle
    columns: tuple[Column, ...]
    help: str
    required: bool = False
    one_row: bool = False
    unique: tuple[str, ...] = ()  # the columns that together identify a row
    refs: dict[str, str] = field(default_factory=dict)  # column → sheet key whose first unique column it names

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


C = Column
SHEETS: tuple[Sheet, ...] = (
    Sheet("return", "Return", "return.csv", (
        C("round", "Reporting round", "round", True, help="The round this return reports on: 2025-26-H1 (April to "
          "September) or 2025-26-H2 (October to March); quarters as 2025-26-Q1 … Q4."),
        C("fund", "Fund", "choice", True, help="The fund reported on (see the About sheet for the list)."),
        C("organisation", "Submitting organisation", required=True, width=28),
        C("submitted_by", "Submitted by", required=True, help="Name of the person who prepared the return."),
        C("sign_off_name", "Signed off by", required=True, help="Name of the senior officer who signed it off."),
        C("sign_off_role", "Sign-off role", required=True),
        C("sign_off_date", "Sign-off date", "date", True, help="Not in the future."),
        C("overall_rag", "Overall rating", "choice", choices=RAG5, help="Your overall delivery confidence."),
        C("commentary", "Commentary", help="At most 250 words, as the UKSPF returns ask.", width=60),
    ), "Who is returning what, for which round: exactly one row.", required=True, one_row=True),
    Sheet("programmes", "Programmes", "programmes.csv", (
        C("programme_code", "Programme code", "code", True, help="Your code, e.g. TD-RCN for the Runcorn Town Deal."),
        C("title", "Title", required=True, width=36),
        C("description", "Description", width=40),
        C("lead_organisation", "Lead organisation", required=True, width=28),
        C("lead_org_id", "Lead organisation identifier", "code",
          help="An org-id.guide identifier: GB-CHC-… (charity), GB-COH-… (company), GB-LAE-… (English council)."),
        C("area_code", "Area code", "code", help="GSS code of the place, e.g. E06000006 (Halton)."),
        C("status", "Status", "choice", True, tuple(ACTIVITY_STATUS), help="IATI activity status."),
        C("planned_start", "Planned start", "date"),
        C("planned_end", "Planned end", "date"),
        C("actual_start", "Actual start", "date"),
        C("actual_end", "Actual end", "date"),
        C("outcome_ids", "Strategy outcomes", "ids", width=30,
          help="The strategy outcomes this programme means to move, by id (e.g. lis-o03), separated by ';'."),
    ), "One row per programme covered by this return.", required=True, unique=("programme_code",)),
    Sheet("projects", "Projects", "projects.csv", (
        C("project_code", "Project code", "code", True, help="Unique, e.g. TD-RCN-03."),
        C("programme_code", "Programme code", "code", True),
        C("title", "Title", required=True, width=36),
        C("description", "Description", width=40),
        C("delivery_organisation", "Delivery organisation", width=28),
        C("delivery_org_id", "Delivery organisation identifier", "code", help="As for the lead organisation."),
        C("intervention_theme", "Intervention theme", width=24),
        C("area_code", "Area code", "code"),
        C("postcode", "Postcode"),
        C("status", "Status", "choice", True, tuple(ACTIVITY_STATUS)),
        C("delivery_stage", "Delivery stage", "choice", choices=DELIVERY_STAGES),
        C("planned_start", "Planned start", "date"),
        C("planned_end", "Planned end", "date"),
        C("actual_start", "Actual start", "date"),
        C("actual_end", "Actual end", "date"),
    ), "One row per project.", required=True, unique=("project_code",), refs={"programme_code": "programmes"}),
    Sheet("budgets", "Budgets", "budgets.csv", (
        C("project_code", "Project code", "code", True),
        C("financial_year", "Financial year", "fy", True),
        C("period_start", "Period start", "date", True),
        C("period_end", "Period end", "date", True, help="At most a year after the start, within the financial year."),
        C("budget_type", "Budget type", "choice", True, ("original", "revised")),
        C("budget_status", "Budget status", "choice", True, ("indicative", "committed")),
        C("capital", "Capital (£)", "money", True),
        C("revenue", "Revenue (£)", "money", True),
        C("total", "Total (£)", "money", True, help="Capital plus revenue."),
    ), "The approved budget by period (a year or less), original and revised.",
        unique=("project_code", "period_start", "period_end", "budget_type"), refs={"project_code": "projects"}),
    Sheet("spend", "Spend", "spend.csv", (
        C("project_code", "Project code", "code", True),
        C("reference", "Reference", help="Your ledger reference."),
        C("date", "Date", "date", True, help="Not after the end of the round."),
        C("financial_year", "Financial year", "fy", True),
        C("expense_type", "Capital or revenue", "choice", True, EXPENSE_TYPES),
        C("transaction_type", "Transaction type", "choice", True, tuple(TRANSACTION_TYPES)),
        C("value", "Value (£)", "money", True, help="Negative only with a reason (a refund, a reversal)."),
        C("description", "Description", width=30),
        C("reason", "Reason for a negative value", width=30),
    ), "Every actual transaction to date, dated: the whole picture as at the end of the round.",
        refs={"project_code": "projects"}),
    Sheet("forecasts", "Forecasts", "forecasts.csv", (
        C("project_code", "Project code", "code", True),
        C("financial_year", "Financial year", "fy", True),
        C("period_start", "Period start", "date", True, help="After the end of the round."),
        C("period_end", "Period end", "date", True),
        C("expense_type", "Capital or revenue", "choice", True, EXPENSE_TYPES),
        C("value", "Value (£)", "money", True),
    ), "Forecast spend for each period after the round.",
        unique=("project_code", "period_start", "period_end", "expense_type"), refs={"project_code": "projects"}),
    Sheet("indicators", "Indicators", "indicators.csv", (
        C("project_code", "Project code", "code", True),
        C("indicator_code", "Indicator code", "code", True, help="Yours, or the fund's output code."),
        C("kind", "Output or outcome", "choice", True, tuple(RESULT_KINDS)),
        C("title", "Title", required=True, width=36),
        C("unit", "Unit", required=True, help="e.g. square metres, jobs, businesses supported."),
        C("measure", "Measure", "choice", True, tuple(MEASURES), help="IATI indicator measure."),
        C("higher_is_better", "Higher is better", "yesno", True),
        C("baseline_date", "Baseline date", "date"),
        C("baseline_value", "Baseline value", "number", help="Required unless the measure is qualitative."),
        C("framework_indicator", "Strategy indicator", "code",
          help="The strategy indicator this output or outcome contributes to, by id (e.g. town-centre-vacancy)."),
        C("framework_outcome", "Strategy outcome", "code", help="Or the strategy outcome, by id (e.g. lis-o03)."),
        C("definition", "Definition", width=40),
    ), "Each project's outputs and outcomes.", unique=("project_code", "indicator_code"),
        refs={"project_code": "projects"}),
    Sheet("periods", "Indicator periods", "indicator-periods.csv", (
        C("project_code", "Project code", "code", True),
        C("indicator_code", "Indicator code", "code", True),
        C("period_start", "Period start", "date", True),
        C("period_end", "Period end", "date", True),
        C("target", "Target", "number", help="The profile: what the period should deliver."),
        C("actual", "Actual", "number", help="What it delivered; required once the period has ended."),
        C("comment", "Comment", width=30),
    ), "Target and actual for each indicator, period by period.",
        unique=("project_code", "indicator_code", "period_start", "period_end"), refs={"project_code": "projects"}),
    Sheet("progress", "Progress", "progress.csv", (
        C("project_code", "Project code", "code", True),
        C("delivery_status", "Delivery status", "choice", True, DELIVERY_STATUS),
        C("delivery_rag", "Delivery rating", "choice", True, RAG5),
        C("spend_rag", "Spend rating", "choice", True, RAG5),
        C("risk_rag", "Risk rating", "choice", True, RAG5),
        C("delay_factor", "Main cause of delay", help="Required when the project is delayed."),
        C("commentary", "Commentary", width=50, help="At most 250 words."),
    ), "Your ratings of each project this round.", unique=("project_code",), refs={"project_code": "projects"}),
    Sheet("milestones", "Milestones", "milestones.csv", (
        C("project_code", "Project code", "code", True),
        C("milestone", "Milestone", required=True, width=36),
        C("baseline_date", "Baseline date", "date", True),
        C("forecast_date", "Forecast date", "date"),
        C("actual_date", "Actual date", "date", help="Not in the future."),
        C("status", "Status", "choice", choices=MILESTONE_STATUS),
    ), "Key milestones with their baseline, forecast and actual dates.", unique=("project_code", "milestone"),
        refs={"project_code": "projects"}),
    Sheet("risks", "Risks", "risks.csv", (
        C("programme_code", "Programme code", "code", True),
        C("project_code", "Project code", "code", help="Blank for a programme-level risk."),
        C("risk", "Risk", required=True, width=30),
        C("category", "Category"),
        C("description", "Description", width=40),
        C("mitigation", "Mitigation", width=40),
        C("impact", "Impact after mitigation (1-6)", "integer", True, help="1 marginal … 6 critical."),
        C("likelihood", "Likelihood after mitigation (1-4)", "integer", True, help="1 low … 4 almost certain."),
        C("proximity", "Proximity (1-5)", "integer", help="1 remote … 5 imminent (within a month)."),
        C("owner", "Owner (role)"),
    ), "The risk register, scored after mitigation on the Towns Fund scales.",
        unique=("programme_code", "project_code", "risk"),
        refs={"programme_code": "programmes", "project_code": "projects"}),
    Sheet("changes", "Change requests", "change-requests.csv", (
        C("project_code", "Project code", "code", True),
        C("reference", "Reference", "code", True),
        C("kind", "Kind of change", "choice", True, CHANGE_KINDS),
        C("description", "Description", width=40),
        C("baseline_value", "Agreed value", "number", True),
        C("proposed_value", "Proposed value", "number", True),
        C("status", "Status", "choice", True, CHANGE_STATUS),
        C("decided_on", "Decided on", "date"),
    ), "Project adjustment requests and other changes to agreed spend, outputs, outcomes or timing.",
        unique=("reference",), refs={"project_code": "projects"}),
)
BY_KEY = {s.key: s for s in SHEETS}
BY_NAME = {s.name.casefold(): s for s in SHEETS}
BY_CSV = {s.csv.casefold(): s for s in SHEETS}
IGNORED_SHEETS = ("about",)  # the template's own instructions


def norm_header(text: object) -> str:
    """A header as compared: case, spaces, underscores, hyphens and brackets do not matter."""
    return re.sub(r"[\s_\-()£]+", " ", str(text or "")).strip().casefold()
