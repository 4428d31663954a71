"""The warehouse: an embedded DuckDB file of releases and the observations that belong to them."""

from prosperity.warehouse.store import DEFAULT_DB, Observation, Warehouse, default_db

__all__ = ["DEFAULT_DB", "Observation", "Warehouse", "default_db"]
