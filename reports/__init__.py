"""Monthly, quarterly and yearly early-warning statistics for the street's safety office.

``build_report`` pulls the period's records in bulk (a few queries, columns into numpy),
computes every figure per building, per community and in total, and finds the early
warnings against each figure's own history. ``render`` turns the result into JSON, CSV or a
printable HTML page. docs/reports.md defines every figure.
"""

from reports.period import Period, PeriodError
from reports.report import Report, build_report

__all__ = ["Period", "PeriodError", "Report", "build_report"]
