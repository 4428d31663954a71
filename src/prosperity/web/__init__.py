"""The public dashboard and open data API (``prosperity serve``).

>>> from prosperity.web import create_app
>>> app = create_app("prosperity.duckdb")      # doctest: +SKIP
"""

from prosperity.web.app import create_app

__all__ = ["create_app"]
