"""What the HTML report and the survey dashboard share: the page shell (CSP, themes, inline CSS and script),
family scores, evidence links, and small SVG/HTML builders.

Every page is one self-contained file: no external stylesheet, font, image or script, so it works from
`file://` offline and under the strict Content-Security-Policy written in its `<meta>`. The script is small
and optional (theme toggle, sortable tables); everything is readable without it.

Repository text reaches HTML only through `escape.html_text` (element content) and `escape.html_attr`
(attribute values); link targets through `href`, which accepts only http(s) URLs and relative paths.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from mlops_level.assess.model import WEIGHT_POINTS, CheckResult, Evidence, Status
from mlops_level.assess.report.escape import html_attr, html_text, md_link_target, url_path

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
TIERS = {"1": "toward Level 1", "2": "toward Level 2"}
STATUS_LABELS = {
    Status.PASS: ("✔", "pass"),
    Status.PARTIAL: ("◐", "partial"),
    Status.FAIL: ("✘", "fail"),
    Status.NOT_APPLICABLE: ("–", "n/a"),
    Status.IGNORED: ("⊘", "ignored"),
}
STATUS_CLASSES = {
    Status.PASS: "pass",
    Status.PARTIAL: "partial",
    Status.FAIL: "fail",
    Status.NOT_APPLICABLE: "na",
    Status.IGNORED: "ignored",
}


# --- scores -----------------------------------------------------------------------------------------------


def weighted_score(results: Iterable[CheckResult]) -> float | None:
    """Σ weight × score / Σ weight over the scored checks (weights required 3, normal 2, low 1; pass 1,
    partial 0.5, fail 0); n/a and ignored checks are left out; None when no check is scored."""
    total = points = 0.0
    for result in results:
        if result.score is None:
            continue
        weight = WEIGHT_POINTS[result.spec.weight]
        total += weight
        points += weight * result.score
    return points / total if total else None


def family_scores(checks: list[CheckResult]) -> dict[str, dict[str, float | None]]:
    """Per family (in rubric order): its weighted score toward Level 1 (foundation and Level 1 checks),
    toward Level 2, and over all its checks ("all")."""
    families: dict[str, list[CheckResult]] = {}
    for result in checks:
        families.setdefault(result.spec.family, []).append(result)
    return {
        family: {
            "1": weighted_score(r for r in results if r.spec.tier == "1"),
            "2": weighted_score(r for r in results if r.spec.tier == "2"),
            "all": weighted_score(results),
        }
        for family, results in families.items()
    }


def percent(score: float | None) -> str:
    """A score as the number written in `data-score` attributes: "66.7", or "" when there is none."""
    return "" if score is None else f"{score * 100:.1f}"


def shown_percent(score: float | None) -> str:
    return "—" if score is None else f"{score * 100:.0f}%"


# --- links to the repository ------------------------------------------------------------------------------

_SCP_URL = re.compile(r"^(?:[\w.\-]+@)?(?P<host>[\w.\-]+):(?P<path>(?!//)[^\s]+)$")


def redact(url: str) -> str:
    """A URL without its user information (`https://user:token@host/x` -> `https://host/x`)."""
    if "://" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def web_base(repo: dict) -> str:
    """`https://github.com/OWNER/REPO/blob/COMMIT/` (GitLab: `.../-/blob/COMMIT/`) when the report knows a
    GitHub or GitLab remote (`repo["remote"]` or the cloned `repo["url"]`) and the commit; "" otherwise."""
    commit = str(repo.get("commit") or "")
    remote = str(repo.get("remote") or repo.get("url") or "")
    if not re.fullmatch(r"[0-9a-f]{7,64}", commit) or not remote:
        return ""
    match = _SCP_URL.match(remote) if "://" not in remote else None
    if match:
        host, path = match["host"], match["path"]
    else:
        try:
            parts = urlsplit(remote)
        except ValueError:
            return ""
        if parts.scheme not in ("https", "ssh", "http"):
            return ""
        host, path = parts.hostname or "", parts.path
    path = path.strip("/").removesuffix(".git").strip("/")
    if not re.fullmatch(r"[\w.\-~]+(/[\w.\-~]+)+", path) or ".." in path.split("/"):
        return ""
    host = host.lower()
    if host == "github.com" or host.endswith(".github.com"):
        return f"https://{host}/{path}/blob/{commit}/"
    if host == "gitlab.com" or host.startswith("gitlab."):
        return f"https://{host}/{path}/-/blob/{commit}/"
    return ""


def evidence_href(evidence: Evidence, base: str = "") -> str:
    """The link to the file (and line) of `evidence`: `base` + the path percent-encoded, `.`, `..` and a
    leading `/` dropped. Without a base the link is relative; its leading `..` segments are kept (assess
    writes them for the CI files of the git root above an assessed sub-folder; no file name is `..`)."""
    segments = evidence.path.split("/")
    up = 0
    while not base and up < len(segments) and segments[up] == "..":
        up += 1
    parts = [".."] * up + [part for part in segments[up:] if part not in ("", ".", "..")]
    relative = url_path("/".join(parts)) or "."
    if relative == ".":
        relative = "./" if not base else ""
    fragment = f"#L{evidence.line}" if evidence.line else ""
    safe_base = md_link_target(base).replace("&amp;", "&") if base else ""
    return safe_base + relative + fragment


def href(target: str) -> str:
    """An attribute-ready link target: http(s) and relative only (`javascript:`, `data:` ... refused: "")."""
    safe = md_link_target(target).replace("&amp;", "&")
    return html_attr(safe) if safe else ""


def link(label_html: str, target: str) -> str:
    """`<a href=...>label</a>`, or the label alone when the target is refused."""
    safe = href(target)
    if not safe:
        return label_html
    external = ' rel="noopener noreferrer"' if safe.startswith(("http:", "https:")) else ""
    return f'<a href="{safe}"{external}>{label_html}</a>'


def location_html(evidence: Evidence, base: str = "") -> str:
    """A piece of evidence as a linked `path:line` and its snippet, all escaped."""
    where = evidence.path + (f":{evidence.line}" if evidence.line else "")
    text = link(f"<code>{html_text(where)}</code>", evidence_href(evidence, base))
    if evidence.snippet:
        text += f' <span class="snippet">{html_text(evidence.snippet)}</span>'
    return text


# --- pieces -----------------------------------------------------------------------------------------------


def status_badge(status: Status) -> str:
    symbol, label = STATUS_LABELS[status]
    return (
        f'<span class="status s-{STATUS_CLASSES[status]}" data-status="{label}">'
        f'<span aria-hidden="true">{symbol}</span> {label}</span>'
    )


def heat_class(score: float | None) -> str:
    """A heat-map bucket for a score (colour plus the number, never colour alone)."""
    if score is None:
        return "h-none"
    return f"h-{min(int(score * 4), 3)}"


def hbar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, list[tuple[str, float | None, str]]]],
    *,
    width: int = 720,
    label_width: int = 240,
) -> str:
    """A horizontal grouped bar chart as inline SVG: each row a label and (series class, value 0..1 or
    None, value text) bars. Labels are escaped; the chart has a `<title>` and `<desc>` for screen readers."""
    bar_h, gap, group_gap, top = 14, 4, 14, 8
    plot = width - label_width - 60
    y = top
    parts = []
    for label, bars in rows:
        group_h = len(bars) * (bar_h + gap) - gap
        parts.append(
            f'<text class="label" x="{label_width - 8}" y="{y + group_h / 2 + 4:.1f}" '
            f'text-anchor="end">{html_text(label)}</text>'
        )
        for series, value, text in bars:
            length = 0 if not value else max(value * plot, 1.5)
            parts.append(
                f'<rect class="track" x="{label_width}" y="{y}" width="{plot}" height="{bar_h}" rx="2"/>'
                f'<rect class="bar {series}" x="{label_width}" y="{y}" width="{length:.1f}" '
                f'height="{bar_h}" rx="2"><title>{html_text(label)}: {html_text(text)}</title></rect>'
                f'<text class="value" x="{label_width + plot + 6}" y="{y + bar_h - 3}">'
                f"{html_text(text)}</text>"
            )
            y += bar_h + gap
        y += group_gap - gap
    height = y + top
    return (
        f'<svg id="{chart_id}" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{html_text(title)}</title>'
        f'<desc id="{chart_id}-desc">{html_text(description)}</desc>' + "".join(parts) + "</svg>"
    )


def page(title: str, body: str, *, heading: str, footer: str = "") -> str:
    """The whole document: CSP, inline CSS, banner with the theme toggle, `body` inside `<main>`, script."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{html_text(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the report</a>\n'
        f'<header class="banner"><h1>{heading}</h1>'
        '<button type="button" id="theme-toggle" hidden aria-pressed="false">Dark theme</button></header>\n'
        f'<main id="main">\n{body}\n</main>\n{footer}\n'
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )


STYLE = """
:root{--bg:#ffffff;--fg:#1f2328;--muted:#4b535c;--card:#f6f8fa;--line:#d0d7de;--link:#0550ae;
--pass:#116329;--partial:#7d4e00;--fail:#a40e26;--na:#4b535c;--ignored:#6e3aa6;
--t1:#0a58ca;--t2:#7a3fc9;--track:#e4e8ec;--h0:#ffd8d3;--h1:#ffe8b3;--h2:#d8efc6;--h3:#9fdbb0;--hfg:#1f2328;
--l0:#b35900;--l1:#0a58ca;--l2:#116329;--lerr:#a40e26}
@media (prefers-color-scheme:dark){:root:not([data-theme=light]){--bg:#0d1117;--fg:#e6edf3;--muted:#a3acb6;
--card:#161b22;--line:#3d444d;--link:#79b8ff;--pass:#56d364;--partial:#e3b341;--fail:#ff8c82;--na:#a3acb6;
--ignored:#d2a8ff;--t1:#6cb6ff;--t2:#c297ff;--track:#262c36;--h0:#6e2b26;--h1:#6b4f12;--h2:#2f5c27;
--h3:#1f7a3d;--hfg:#f0f6fc;--l0:#f0883e;--l1:#6cb6ff;--l2:#56d364;--lerr:#ff8c82}}
:root[data-theme=dark]{--bg:#0d1117;--fg:#e6edf3;--muted:#a3acb6;--card:#161b22;--line:#3d444d;--link:#79b8ff;
--pass:#56d364;--partial:#e3b341;--fail:#ff8c82;--na:#a3acb6;--ignored:#d2a8ff;--t1:#6cb6ff;--t2:#c297ff;
--track:#262c36;--h0:#6e2b26;--h1:#6b4f12;--h2:#2f5c27;--h3:#1f7a3d;--hfg:#f0f6fc;--l0:#f0883e;--l1:#6cb6ff;
--l2:#56d364;--lerr:#ff8c82}
:root[data-theme=dark],:root[data-theme=dark] body{color-scheme:dark}
:root[data-theme=light],:root[data-theme=light] body{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif}
a{color:var(--link)}
code,.snippet{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;
overflow-wrap:anywhere}
.snippet{color:var(--muted)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--bg);padding:4px}
.banner{display:flex;align-items:center;justify-content:space-between;gap:1rem;padding:.75rem 1.5rem;
border-bottom:1px solid var(--line)}
.banner h1{font-size:1.25rem;margin:0}
button{font:inherit;color:var(--fg);background:var(--card);border:1px solid var(--line);border-radius:6px;
padding:.25rem .75rem;cursor:pointer}
button:focus-visible,a:focus-visible{outline:3px solid var(--link);outline-offset:2px}
main{max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem}
section{margin:1.5rem 0}
h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:.75rem 0 .25rem}
.meta{color:var(--muted);margin:.25rem 0}
.cards{display:flex;flex-wrap:wrap;gap:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;
min-width:12rem}
.big{font-size:2rem;font-weight:700;margin:0}
.progress{height:.6rem;background:var(--track);border-radius:4px;overflow:hidden;margin-top:.4rem}
.progress span{display:block;height:100%;background:var(--t1)}
.conf{font-weight:600}.conf-high{color:var(--pass)}.conf-medium{color:var(--partial)}.conf-low{color:var(--fail)}
.status{font-weight:600;white-space:nowrap}
.s-pass{color:var(--pass)}.s-partial{color:var(--partial)}.s-fail{color:var(--fail)}.s-na{color:var(--na)}
.s-ignored{color:var(--ignored)}
ul.caps{list-style:none;padding-left:0}ul.caps>li{margin:.5rem 0}
ul.ev{margin:.2rem 0;padding-left:1.25rem}
.doubt{color:var(--partial)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--card)}
th button{all:unset;cursor:pointer;font-weight:700}
th button::after{content:" \\2195";color:var(--muted)}
th[aria-sort=ascending] button::after{content:" \\2191"}
th[aria-sort=descending] button::after{content:" \\2193"}
th button:focus-visible{outline:3px solid var(--link)}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.chart{max-width:900px;display:block}
.chart text{fill:var(--fg);font-size:12px}.chart .value{fill:var(--muted)}
.chart .track{fill:var(--track)}.chart .t1{fill:var(--t1)}.chart .t2{fill:var(--t2)}
.chart .l0{fill:var(--l0)}.chart .l1{fill:var(--l1)}.chart .l2{fill:var(--l2)}.chart .lerr{fill:var(--lerr)}
.legend{display:flex;gap:1rem;list-style:none;padding:0;margin:.25rem 0}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.sw-t1{background:var(--t1)}.sw-t2{background:var(--t2)}
td.heat{text-align:center;color:var(--hfg);font-variant-numeric:tabular-nums}
.h-0{background:var(--h0)}.h-1{background:var(--h1)}.h-2{background:var(--h2)}.h-3{background:var(--h3)}
.h-none{color:var(--muted)!important}
.up{color:var(--pass)}.down{color:var(--fail)}
details summary{cursor:pointer}
footer{color:var(--muted);border-top:1px solid var(--line);padding:1rem 1.5rem;font-size:.9em}
"""

SCRIPT = """
(function(){
var root=document.documentElement,button=document.getElementById('theme-toggle');
function dark(){return root.dataset.theme?root.dataset.theme==='dark':
window.matchMedia&&window.matchMedia('(prefers-color-scheme: dark)').matches;}
function show(){var d=dark();button.textContent=d?'Light theme':'Dark theme';
button.setAttribute('aria-pressed',String(d));}
try{var saved=window.localStorage.getItem('mlops-level-theme');if(saved)root.dataset.theme=saved;}catch(e){}
if(button){button.hidden=false;show();button.addEventListener('click',function(){
root.dataset.theme=dark()?'light':'dark';
try{window.localStorage.setItem('mlops-level-theme',root.dataset.theme);}catch(e){}show();});}
document.querySelectorAll('table.sortable').forEach(function(table){
table.querySelectorAll('thead th').forEach(function(th,index){
var b=document.createElement('button');b.type='button';b.textContent=th.textContent;
th.textContent='';th.appendChild(b);
b.addEventListener('click',function(){
var asc=th.getAttribute('aria-sort')!=='ascending';
table.querySelectorAll('thead th').forEach(function(o){o.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
function key(row){var c=row.cells[index];if(!c)return '';
var v=c.getAttribute('data-sort');return v===null?c.textContent.trim():v;}
rows.sort(function(a,b){var x=key(a),y=key(b),nx=parseFloat(x),ny=parseFloat(y);
var n=/^-?[0-9]+([.][0-9]+)?$/;var r=(n.test(x)&&n.test(y))?nx-ny:x.localeCompare(y);
return asc?r:-r;});
rows.forEach(function(row){body.appendChild(row);});});});});
})();
"""
