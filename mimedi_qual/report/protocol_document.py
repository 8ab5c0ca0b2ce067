"""The protocol as a document for pre-approval: one self-contained HTML file.

What QA reads and approves before execution (Annex 15 §2.5): identity
(id, version, SHA-256 of the protocol files), objective, scope, system
boundary, references, the user requirements with their risk, every
acceptance criterion with its value, tolerance, unit and source, and each
feature file verbatim with its own hash. Approval is a signature over the
protocol hash printed on the document (``mimedi-qual approve-protocol``); a
campaign that runs a different hash records a *protocol changed* deviation.

>>> path, digest = render_protocol(project_paths(), project_paths().reports / "protocol.html")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

from mimedi_qual.evidence.protocol import judging_files, protocol_hash_from_manifest, protocol_manifest
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_acceptance, load_urs
from mimedi_qual.profiles.loader import load_protocol_document


STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#111}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:1px solid #999;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0} td,th{border:1px solid #bbb;padding:3px 6px;
vertical-align:top;text-align:left} th{background:#eee} code,pre{font:12px/1.35 ui-monospace,monospace}
pre{background:#f6f6f6;border:1px solid #ddd;padding:.6em;white-space:pre-wrap}
.hash{font:12px ui-monospace,monospace;word-break:break-all} .box{border:2px solid #333;padding:.6em}
@media print{h2{page-break-after:avoid} pre{page-break-inside:avoid}}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def render_protocol(paths: ProjectPaths, output: Path) -> tuple[Path, str]:
    """Write the protocol document of the project at ``paths``; return its path and the protocol hash."""
    root = paths.root
    doc = load_protocol_document(paths.protocol_document)
    manifest = protocol_manifest(judging_files(paths, doc.files), root)  # what `run` judges by by default
    digest = protocol_hash_from_manifest(manifest)
    criteria = load_acceptance(paths.default_acceptance).criteria  # the criteria `mimedi-qual run` judges by
    requirements: dict = {}
    for path in sorted(paths.urs.glob("*.yaml")):
        requirements.update(load_urs(path).requirements)

    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(doc.id)} v{_e(doc.version)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{_e(doc.title)}</h1>",
             "<table>"
             f"<tr><th>Protocol id</th><td>{_e(doc.id)}</td><th>Version</th><td>{_e(doc.version)}</td></tr>"
             f"<tr><th>Protocol hash (SHA-256)</th><td colspan='3' class='hash'>{digest}</td></tr>"
             f"<tr><th>Rendered</th><td colspan='3'>{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC</td></tr>"
             "</table>",
             f"<h2>1. Objective</h2><p>{_e(doc.objective)}</p>",
             f"<h2>2. Scope and system boundary</h2><p>{_e(doc.scope)}</p><p>{_e(doc.system_boundary)}</p>",
             "<h2>3. References</h2><ul>" + "".join(f"<li>{_e(r)}</li>" for r in doc.references) + "</ul>",
             "<h2>4. User requirements</h2><table><tr><th>URS id</th><th>requirement</th><th>risk</th>"
             "<th>stage</th><th>module</th><th>verified by</th></tr>"]
    for req_id, req in requirements.items():
        parts.append(f"<tr><td>{_e(req_id)}</td><td>{_e(req.text)}</td><td>{_e(req.risk)}</td><td>{_e(req.stage)}</td>"
                     f"<td>{_e(req.module)}</td><td>{_e(', '.join(req.criteria))}</td></tr>")
    parts.append("</table><h2>5. Acceptance criteria</h2><table><tr><th>criterion</th><th>description</th>"
                 "<th>acceptance</th><th>source</th></tr>")
    for crit_id, crit in criteria.items():
        if crit.kind == "band":
            acceptance = f"{crit.target:g} ± {crit.tolerance:g} {crit.unit}"
        elif crit.kind == "max":
            acceptance = f"≤ {crit.limit:g} {crit.unit}"
        elif crit.kind == "min":
            acceptance = f"≥ {crit.limit:g} {crit.unit}"
        else:
            acceptance = "matches the register"
        parts.append(f"<tr><td>{_e(crit_id)}</td><td>{_e(crit.description)}</td><td>{_e(acceptance)}</td>"
                     f"<td>{_e(crit.source)}</td></tr>")
    parts.append("</table><h2>6. Test procedures (executable)</h2>")
    for relative, sha in manifest:
        if relative.endswith(".feature"):
            text = (root / relative).read_text(encoding="utf-8")
            parts.append(f"<h3>{_e(relative)}</h3><p class='hash'>SHA-256 {sha}</p><pre>{_e(text)}</pre>")
    parts.append("<h2>7. Files of the protocol</h2><table><tr><th>file</th><th>SHA-256</th></tr>")
    parts += [f"<tr><td>{_e(p)}</td><td class='hash'>{s}</td></tr>" for p, s in manifest]
    parts.append("</table><h2>8. Pre-approval</h2><div class='box'><p>Approval is an electronic signature "
                 f"over the protocol hash above:</p><pre>mimedi-qual approve-protocol {_e(doc.id)} {_e(doc.version)} "
                 f"{_e(' '.join(doc.files))} --user USER_ID</pre><p>A campaign run with a different hash is "
                 "recorded as a <em>protocol changed</em> deviation.</p></div></body></html>")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text("\n".join(parts), encoding="utf-8")
    return output, digest
