"""Human-readable HTML report of an evaluation result.

>>> from synthgenesis.report import write_html_report
>>> write_html_report(result, "report.html", title="Run 42")  # doctest: +SKIP

See ``docs/report.md`` for what the report shows and how to read it.
"""

from synthgenesis.report.render import render_html, write_html_report

__all__ = ["render_html", "write_html_report"]
