"""Assessments: the methods applied to the warehouse for every framework indicator and area."""

from prosperity.assess.engine import Assessment, Assessor
from prosperity.assess.spec import Spec, TargetSpec, aggregation_for, specs_from_framework

__all__ = ["Assessment", "Assessor", "Spec", "TargetSpec", "aggregation_for", "specs_from_framework"]
