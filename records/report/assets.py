"""The reports' inline style sheet and scripts (no file, no font, no library is fetched)."""

from __future__ import annotations

# Nothing but this page's own inline styles and scripts and data: images may load.
CONTENT_SECURITY_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
                           "script-src 'unsafe-inline'")

STYLE = """
:root { --fail: #c62828; --fail-bg: #fdecea; --ok: #2e7d32; --ok-bg: #e8f5e9; --muted: #666;
        --line: #ddd; --accent: #1565c0; --warn: #ef6c00; --warn-bg: #fff3e0; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #222; background: #f5f6f8; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 22px; margin: 4px 0 8px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 0; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
                   font-size: 12.5px; }
pre { background: #f0f1f3; padding: 8px 10px; border-radius: 4px; overflow-x: auto;
      white-space: pre-wrap; word-break: break-word; margin: 6px 0; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.summary { background: #fff; border: 1px solid var(--line); border-radius: 8px;
           padding: 14px 18px; }
.summary.failed { border-color: var(--fail); border-width: 2px; }
.summary dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px;
              margin: 8px 0 0; }
.summary dt { color: var(--muted); }
.summary dd { margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         font-weight: 600; vertical-align: middle; white-space: nowrap; }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.fail { background: var(--fail); color: #fff; }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.info { background: #e3f2fd; color: var(--accent); }
.reason { border-left: 4px solid var(--fail); background: var(--fail-bg); padding: 6px 10px;
          margin: 8px 0; border-radius: 0 4px 4px 0; }
.reason.warn { border-color: var(--warn); background: var(--warn-bg); }
.step { background: #fff; border: 1px solid var(--line); border-radius: 8px; margin: 14px 0;
        padding: 12px 16px; }
.step.failed { border: 2px solid var(--fail); box-shadow: 0 0 0 3px var(--fail-bg); }
.step header { display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.step header .chosen { font-weight: 600; }
.columns { display: grid; grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); gap: 16px;
           margin-top: 10px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
.frames { display: grid; grid-template-columns: repeat(2, minmax(0, 520px)); gap: 10px;
          margin-top: 10px; }
figure { margin: 0; }
figcaption { font-size: 12px; color: var(--muted); }
.frame { position: relative; line-height: 0; }
.frame img { width: 100%; height: auto; border-radius: 4px; display: block; }
.frame svg { position: absolute; inset: 0; width: 100%; height: 100%; }
.frame svg text { font: 600 15px system-ui, sans-serif; fill: #fff; stroke: #000;
                  stroke-width: 3px; paint-order: stroke; }
.frame svg .marker { stroke: #fff; stroke-width: 2.5; fill: none; }
.frame svg .marker.low { stroke-dasharray: 4 3; }
.frame svg .path { stroke: #ffeb3b; stroke-width: 2.5; fill: none; stroke-dasharray: 7 4; }
.noframe { border: 1px dashed var(--line); border-radius: 4px; padding: 18px; color: var(--muted);
           font-size: 12px; text-align: center; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { font-weight: 600; font-size: 12.5px; color: #444; background: #fafafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.chosen td { background: #e3f2fd; font-weight: 600; }
tr.bound td.score { color: var(--muted); }
.options td.text { word-break: break-word; }
.options td.score { white-space: nowrap; font-variant-numeric: tabular-nums; }
.options .why { display: block; font-weight: normal; font-size: 12px; color: var(--fail); }
.bar { display: inline-block; width: 70px; height: 9px; background: #eceff1; border-radius: 2px;
       vertical-align: middle; margin-right: 4px; overflow: hidden; }
.bar > span { display: block; height: 100%; }
.bar.llm > span { background: #7e57c2; }
.bar.afford > span { background: #26a69a; }
.bar.combined > span { background: var(--accent); }
.bar.rate { width: 120px; height: 12px; position: relative; }
.bar.rate > span { background: #66bb6a; }
.bar.rate > i { position: absolute; top: 5px; height: 2px; background: #263238; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 1px 12px; margin: 6px 0; }
.kv > span:nth-child(odd) { color: var(--muted); }
.faults li { color: var(--warn); }
.controls { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin: 8px 0; }
.controls input, .controls select { font: inherit; padding: 3px 6px; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.outcome-success td.outcome { color: var(--ok); font-weight: 600; }
tr.outcome-error td.outcome, tr[class*="failed"] td.outcome { color: var(--fail);
                                                              font-weight: 600; }
.chart img { max-width: min(100%, 960px); height: auto; background: #fff;
             border: 1px solid var(--line); }
td.outcome, td.rate { white-space: nowrap; }
.wide { overflow-x: auto; }
"""

# Click a column header to sort by it (again: the other way); numbers sort by data-value.
# The filters show the rows whose cells match every filter.
TABLE_SCRIPT = """
(function () {
  function cellValue(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute('data-value');
    if (value === null) { value = cell.textContent.trim(); }
    var text = value.trim();
    return /^-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?$/.test(text) ? parseFloat(text) : text.toLowerCase();
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (header, index) {
      header.addEventListener('click', function () {
        var ascending = header.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
        header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          if (typeof x !== typeof y) { x = String(x); y = String(y); }
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
  document.querySelectorAll('[data-filters]').forEach(function (controls) {
    var table = document.getElementById(controls.getAttribute('data-filters'));
    var inputs = controls.querySelectorAll('input, select');
    var counter = controls.querySelector('.shown');
    function apply() {
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var visible = Array.prototype.every.call(inputs, function (input) {
          var wanted = input.value.trim().toLowerCase();
          if (!wanted) { return true; }
          var column = input.getAttribute('data-column');
          if (column === null) { return row.textContent.toLowerCase().indexOf(wanted) >= 0; }
          return row.cells[Number(column)].textContent.trim().toLowerCase() === wanted;
        });
        row.hidden = !visible;
        shown += visible ? 1 : 0;
      });
      if (counter) { counter.textContent = shown + ' of ' + table.tBodies[0].rows.length; }
    }
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener('input', apply);
      input.addEventListener('change', apply);
    });
    apply();
  });
})();
"""

# The episode report: a checkbox that shows the failed steps only.
STEPS_SCRIPT = """
(function () {
  var toggle = document.getElementById('failed-only');
  if (!toggle) { return; }
  toggle.addEventListener('change', function () {
    document.querySelectorAll('article.step').forEach(function (card) {
      card.hidden = toggle.checked && !card.classList.contains('failed');
    });
  });
})();
"""
