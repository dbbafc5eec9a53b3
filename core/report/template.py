"""The report's Jinja2 template and inline style sheet (no external resources)."""

from __future__ import annotations

CSS = """
:root { --pass:#2e7d32; --warn:#b26a00; --fail:#c62828; --na:#6b7280; --insufficient:#5b4b8a;
        --ink:#1f2933;
        --line:#d9dee3; --soft:#f5f7f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
       "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1180px; margin: 0 auto; padding: 28px 32px 64px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 0; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
.subtitle { color: #52606d; margin: 0 0 18px; }
table { border-collapse: collapse; }
td, th { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
.info { display: flex; gap: 32px; flex-wrap: wrap; align-items: flex-start; }
.info table { min-width: 300px; }
.notes { color: #52606d; font-size: 0.9rem; }
.badge { display: inline-block; min-width: 44px; padding: 1px 8px; border-radius: 10px;
         color: #fff; font-weight: 600; font-size: 0.8rem; text-align: center;
         text-transform: uppercase; }
.badge.pass { background: var(--pass); } .badge.warn { background: var(--warn); }
.badge.fail { background: var(--fail); } .badge.na { background: var(--na); }
.badge.insufficient { background: var(--insufficient); }
#overall { border: 1px solid var(--line); border-left: 8px solid var(--na); border-radius: 6px;
           padding: 12px 20px; margin: 18px 0 8px; background: var(--soft); }
#overall.pass { border-left-color: var(--pass); } #overall.warn { border-left-color: var(--warn); }
#overall.fail { border-left-color: var(--fail); }
#overall.insufficient { border-left-color: var(--insufficient); }
#overall h2 { font-size: 1.35rem; }
#overall ul { margin: 6px 0 0; padding-left: 20px; }
.reason { margin: 0 0 12px; color: #3e4c59; font-size: 0.92rem; }
.overview td:first-child { white-space: nowrap; }
.overview a { color: inherit; }
section.mode { border: 1px solid var(--line); border-left: 6px solid var(--na);
               border-radius: 6px; padding: 16px 20px; margin: 22px 0; }
section.mode.pass { border-left-color: var(--pass); }
section.mode.warn { border-left-color: var(--warn); }
section.mode.fail { border-left-color: var(--fail); }
section.mode.insufficient { border-left-color: var(--insufficient); }
.mode header { display: flex; align-items: center; gap: 12px; margin-bottom: 6px; }
.summary { margin: 4px 0 12px; }
.evidence { display: grid; grid-template-columns: minmax(240px, 320px) 1fr; gap: 20px;
            align-items: start; }
.facts td:first-child { color: #52606d; }
figure { margin: 0 0 14px; }
figure.wide { margin-top: 14px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { font-size: 0.85rem; color: #52606d; margin-top: 2px; }
.extra { border-top: 1px solid var(--line); margin-top: 28px; padding-top: 8px; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; }
.metrics td:first-child { font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
                          font-size: 0.82rem; word-break: break-all; }
.metrics td:last-child { font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
                         font-size: 0.82rem; }
@media (max-width: 800px) { .evidence { grid-template-columns: 1fr; } }
@media print { details { display: block; } }
"""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css }}</style>
</head>
<body>
<main>
<header id="report-header">
  <h1>{{ title }}</h1>
  <p class="subtitle">Synthetic data evaluation report · generated {{ generated }}</p>
  <div class="info">
    {% if sizes %}
    <table id="dataset-sizes">
      <tr><th colspan="2">Data</th></tr>
      {% for key, value in sizes %}<tr><td>{{ key }}</td><td>{{ value }}</td></tr>{% endfor %}
    </table>
    {% endif %}
    {% if run_info %}
    <table id="run-info">
      <tr><th colspan="2">Run</th></tr>
      {% for key, value in run_info %}<tr><td>{{ key }}</td><td>{{ value }}</td></tr>{% endfor %}
    </table>
    {% endif %}
  </div>
  {% if notes %}
  <h3>Data notes</h3>
  <ul class="notes">{% for note in notes %}<li>{{ note }}</li>{% endfor %}</ul>
  {% endif %}
</header>

<section id="overall" class="{{ overall.status | css_status }}" data-overall="{{ overall.status }}">
  <h2>Overall verdict: {{ overall.status }}</h2>
  {% if overall.reasons %}
  <ul class="overall-reasons">{% for reason in overall.reasons %}<li>{{ reason }}</li>{% endfor %}</ul>
  {% endif %}
</section>

{% if not_evaluated is not none %}
<section class="mode insufficient" id="not-evaluated" data-status="not evaluated">
  <header><span class="badge insufficient">not evaluated</span><h2>Not evaluated</h2></header>
  <p class="summary">Not evaluated: {{ not_evaluated }}</p>
  <p class="reason">No metric was computed, so no failure mode was judged.</p>
</section>
{% endif %}

{% if sections %}
<section id="overview">
  <h3>Verdicts</h3>
  <table class="overview">
    {% for s in sections %}
    <tr><td><span class="badge {{ s.status | css_status }}">{{ s.status | status_label }}</span></td>
        <td><a href="#{{ s.key }}">{{ s.title }}</a></td><td>{{ s.summary }}</td></tr>
    {% endfor %}
  </table>
</section>
{% endif %}

{% for s in sections %}
<section class="mode verdict {{ s.status | css_status }}" id="{{ s.key }}"
         data-failure-mode="{{ s.key }}" data-status="{{ s.status }}">
  <header><span class="badge {{ s.status | css_status }}">{{ s.status | status_label }}</span>
  <h2>{{ s.title }}</h2></header>
  <p class="summary">{{ s.summary }}</p>
  {% if s.reason and s.reason != s.summary %}
  <p class="reason"><strong>Why:</strong> {{ s.reason }}</p>
  {% endif %}
  {% if s.facts or s.figures %}
  <div class="evidence">
    <table class="facts">
      {% for key, value in s.facts %}<tr><td>{{ key }}</td><td>{{ value }}</td></tr>{% endfor %}
    </table>
    <div class="plots">
      {% for caption, uri in s.figures %}
      <figure><img src="{{ uri }}" alt="{{ caption }}"><figcaption>{{ caption }}</figcaption>
      </figure>
      {% endfor %}
    </div>
  </div>
  {% endif %}
  {% for caption, uri in s.wide_figures %}
  <figure class="wide"><img src="{{ uri }}" alt="{{ caption }}">
  <figcaption>{{ caption }}</figcaption></figure>
  {% endfor %}
</section>
{% endfor %}

{% for extra in extra_sections %}
<section class="extra" id="extra-{{ loop.index }}">
  <h2>{{ extra.title }}</h2>
  {{ extra.html | safe }}
</section>
{% endfor %}

{% if metric_tables %}
<section class="extra" id="all-metrics">
  <details id="all-metrics-details"><summary><h2 style="display:inline">All metrics</h2></summary>
  <p class="notes">Every value of <code>metrics.json</code>, by metric family.</p>
  {% for family, rows in metric_tables %}
  <details><summary>{{ family }} ({{ rows | length }} values)</summary>
    <table class="metrics">
      {% for key, value in rows %}<tr><td>{{ key }}</td><td>{{ value }}</td></tr>{% endfor %}
    </table>
  </details>
  {% endfor %}
  </details>
</section>
{% endif %}
</main>
</body>
</html>
"""
