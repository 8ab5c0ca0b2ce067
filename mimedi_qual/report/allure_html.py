"""Allure results → one self-contained ``report.html``.

Uses Allure 2's generator (npm ``allure-commandline``, Java ≥ 8), installed
by ``make`` into ``.tools/``. Two traps of the generator handled here:

* ``ALLURE_NO_ANALYTICS=true`` (exactly ``true``) or the report embeds a
  Google Tag Manager script — we also check the output and refuse a report
  that contains one;
* ``--single-file`` gives one ``index.html`` that opens from ``file://``.

Before generating, the results directory gets ``environment.properties``
(bench, versions, git commit), ``executor.json`` and ``categories.json``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from mimedi_qual.errors import MimediQualError
from mimedi_qual.report.allure_categories import failure_categories

TRACKING_MARKERS = ("googletagmanager", "gtag(", "google-analytics")
#: A script or stylesheet the browser would fetch from the network (the report must open offline, fetch nothing).
EXTERNAL_RESOURCE = re.compile(r"<(?:script|link)\b[^>]*(?:src|href)\s*=\s*[\"']?(?:https?:)?//[^\"'\s>]*", re.I)
GENERATE_TIMEOUT_S = 300


class ReportError(MimediQualError):
    """The Allure report could not be generated or is unfit (a tracking script); the record is complete without it."""


def find_allure(tools_dir: Path) -> Path | None:
    """The Allure 2 generator: ``$MIMEDI_ALLURE``, else ``make``'s npm install in ``tools_dir``, else PATH.

    ``tools_dir`` is :attr:`mimedi_qual.paths.ProjectPaths.tools`.
    """
    candidates = []
    if os.environ.get("MIMEDI_ALLURE"):
        candidates.append(Path(os.environ["MIMEDI_ALLURE"]))
    candidates.append(tools_dir / "node_modules" / ".bin" / "allure")
    on_path = shutil.which("allure")
    if on_path:
        candidates.append(Path(on_path))
    return next((c for c in candidates if c.is_file()), None)


def write_environment(results_dir: Path, environment: dict[str, str]) -> None:
    lines = [f"{key}={str(value).replace(chr(10), ' ')}" for key, value in environment.items()]
    (results_dir / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_executor(results_dir: Path, name: str, build_name: str) -> None:
    (results_dir / "executor.json").write_text(json.dumps({
        "name": name, "type": "mimedi-qual", "buildName": build_name,
    }, indent=2), encoding="utf-8")


def write_categories(results_dir: Path) -> None:
    """``categories.json``: failed scenarios grouped by the type of what stopped them (see allure_categories)."""
    (results_dir / "categories.json").write_text(json.dumps(failure_categories(), indent=2), encoding="utf-8")


def generate_single_file(allure: Path, results_dir: Path, report_path: Path) -> Path:
    """Run the generator; move its single ``index.html`` to ``report_path``."""
    env = dict(os.environ, ALLURE_NO_ANALYTICS="true")
    with tempfile.TemporaryDirectory(prefix="allure-") as tmp:
        out = Path(tmp) / "report"
        proc = subprocess.run(
            [str(allure), "generate", str(results_dir), "-o", str(out), "--clean", "--single-file"],
            env=env, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S,
        )
        index = out / "index.html"
        if proc.returncode != 0 or not index.is_file():
            raise ReportError(f"allure generate failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        _refuse_external_content(index.read_text(encoding="utf-8", errors="replace"), "generated report")
        shutil.move(str(index), report_path)
    return report_path


def main(argv: list[str] | None = None) -> int:
    """``python -m mimedi_qual.report.allure_html RESULTS_DIR REPORT.html`` (used by ``make test``)."""
    import argparse
    import sys

    from mimedi_qual.paths import project_paths

    parser = argparse.ArgumentParser(prog="python -m mimedi_qual.report.allure_html")
    parser.add_argument("results_dir", type=Path)
    parser.add_argument("report", type=Path)
    args = parser.parse_args(argv)
    allure = find_allure(project_paths().tools)
    if allure is None:
        print("error: Allure generator not found (run `make install`)", file=sys.stderr)
        return 2
    write_categories(args.results_dir)
    generate_single_file(allure, args.results_dir, args.report)
    print(f"Report: {args.report}")
    return 0


def _refuse_external_content(page: str, where: str) -> None:
    """Refuse a page with a tracking script or any script or stylesheet fetched from elsewhere."""
    found = [m for m in TRACKING_MARKERS if m in page]
    found += [m.group(0) for m in EXTERNAL_RESOURCE.finditer(page)][:3]
    if found:
        raise ReportError(f"{where} contains a tracking script or an external resource ({', '.join(found)}); "
                          "refusing it")


def add_qa_section(report_path: Path, records: list, *, integrity_problems: list | None = None) -> None:
    """Put the QA review section (:mod:`mimedi_qual.report.qa_review`) at the top of the report, or replace it.

    Built from ``records`` alone, so calling it again after a signature or a
    deviation closure brings the page up to date: everything between the
    section's markers is replaced, the Allure report around it is kept byte
    for byte. The section is static HTML (no script); the page is checked
    again for tracking or external scripts afterwards. ``integrity_problems``:
    what :func:`~mimedi_qual.evidence.verify.record_problems` found (None: not
    checked); any puts RECORD NOT INTACT first.
    """
    from mimedi_qual.report.qa_review import END_MARKER, START_MARKER, qa_review_html

    page = report_path.read_text(encoding="utf-8")
    section = qa_review_html(records, integrity_problems=integrity_problems)
    begin = page.find(START_MARKER)
    if begin >= 0:
        end = page.find(END_MARKER, begin)
        if end < 0:
            raise ReportError(f"{report_path}: QA section started but not ended")
        page = page[:begin] + section + page[end + len(END_MARKER):]
    else:
        marker = page.find("<body")
        end = page.find(">", marker) + 1 if marker >= 0 else -1
        if end <= 0:
            raise ReportError(f"{report_path}: no <body> to put the QA section in")
        page = page[:end] + section + page[end:]
    _refuse_external_content(page, str(report_path))
    report_path.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
