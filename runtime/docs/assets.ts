/**
 * The API reference's stylesheet and search script: plain CSS and a few lines of script, served from
 * the site itself (no CDN, no web font, nothing fetched at view time), so the pages work from any
 * static host, from the admin port and from a file:// URL alike.
 */

export const STYLE_CSS = `
:root { --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #ffffff; --side: #f5f7fa; --accent: #1f5fbf; --code: #f3f5f8; --no: #a4262c; --part: #8a5a00; --yes: #22703a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); display: flex; min-height: 100vh; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
nav.side { width: 290px; flex: none; background: var(--side); border-right: 1px solid var(--line); padding: 16px; position: sticky; top: 0; height: 100vh; overflow-y: auto; }
nav.side .title { font-weight: 700; font-size: 17px; display: block; margin-bottom: 10px; color: var(--fg); }
nav.side h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 16px 0 4px; }
nav.side ul { list-style: none; margin: 0; padding: 0; }
nav.side li a { display: block; padding: 2px 6px; border-radius: 4px; font-size: 14px; }
nav.side li a.current { background: #e3ebf8; font-weight: 600; }
main { flex: 1; min-width: 0; padding: 24px 40px 60px; max-width: 1100px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 20px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); border-radius: 4px; }
code { padding: 1px 4px; }
pre { padding: 12px; overflow-x: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--side); font-weight: 600; }
td:first-child code { white-space: nowrap; }
.binding { font: 15px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; display: inline-block; }
.method { font-weight: 700; }
.badge { display: inline-block; white-space: nowrap; font-size: 12px; font-weight: 600; border-radius: 10px; padding: 1px 8px; border: 1px solid currentColor; }
.yes { color: var(--yes); } .no { color: var(--no); } .partial { color: var(--part); }
.muted { color: var(--muted); }
.search { position: relative; margin-bottom: 8px; }
.search input { width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; font-size: 14px; }
.search ol { list-style: none; margin: 4px 0 0; padding: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; max-height: 60vh; overflow-y: auto; }
.search ol:empty { display: none; }
.search li a { display: block; padding: 4px 8px; font-size: 14px; }
.search li a small { color: var(--muted); display: block; }
@media (max-width: 800px) { body { display: block; } nav.side { width: auto; height: auto; position: static; } main { padding: 16px; } }
`;

/**
 * Search over the operations and error codes: the index (search-index.js, a script so that it also
 * loads from file://, where fetch() of a local file is refused) is matched as the user types, names
 * first. `data-root` on <body> is the way back to the site's root from the current page.
 */
export const SEARCH_JS = `(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";
  var input = document.getElementById("search");
  var list = document.getElementById("search-results");
  var index = window.S3_DOCS_INDEX || [];
  if (!input || !list) return;
  function render(query) {
    var q = query.trim().toLowerCase();
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!q) return;
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var e = index[i];
      var name = e.name.toLowerCase();
      var rank = name === q ? 0 : name.indexOf(q) === 0 ? 1 : name.indexOf(q) > 0 ? 2 : e.text.toLowerCase().indexOf(q) >= 0 ? 3 : -1;
      if (rank >= 0) hits.push({ rank: rank, entry: e });
    }
    hits.sort(function (a, b) { return a.rank - b.rank || (a.entry.name < b.entry.name ? -1 : 1); });
    hits.slice(0, 30).forEach(function (h) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = root + h.entry.url;
      a.textContent = h.entry.name;
      var small = document.createElement("small");
      small.textContent = h.entry.detail;
      a.appendChild(small);
      li.appendChild(a);
      list.appendChild(li);
    });
  }
  input.addEventListener("input", function () { render(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && list.firstChild) window.location.href = list.firstChild.firstChild.href;
  });
  render(input.value);
})();
`;

/**
 * The site's icon: without one a browser asks the host's root for /favicon.ico, outside the site
 * (a 404 on the admin port, a request to a stranger's root on a shared static host).
 */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f5fbf"/><text x="16" y="22" font-family="sans-serif" font-size="15" font-weight="700" fill="#fff" text-anchor="middle">S3</text></svg>
`;
