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
import shutil
import subprocess
import tempfile
from pathlib import Path

from mimedi_qual.errors import MimediQualError
from mimedi_qual.report.allure_categories import failure_categories

TRACKING_MARKERS = ("googletagmanager", "gtag(", "google-analytics")
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
        html = index.read_text(encoding="utf-8", errors="replace")
        found = [m for m in TRACKING_MARKERS if m in html]
        if found:
            raise ReportError(f"generated report contains a tracking script ({', '.join(found)}); refusing it")
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


if __name__ == "__main__":
    raise SystemExit(main())


BANNER_STYLE = ("position:fixed;top:0;left:0;right:0;z-index:10000;background:#b00020;color:#fff;"
                "font:bold 13px sans-serif;text-align:center;padding:4px 8px;letter-spacing:0.02em")


def add_banner(report_path: Path, notices: list[str]) -> None:
    """Put ``notices`` in a fixed banner on every view of the single-file report."""
    import html as html_escape

    text = " · ".join(html_escape.escape(n) for n in notices)
    banner = f'<div id="mimedi-notice" style="{BANNER_STYLE}">{text}</div>'
    page = report_path.read_text(encoding="utf-8")
    if "mimedi-notice" in page:
        return
    marker = page.find("<body")
    end = page.find(">", marker) + 1 if marker >= 0 else -1
    if end <= 0:
        raise ReportError(f"{report_path}: no <body> to put the notice in")
    report_path.write_text(page[:end] + banner + page[end:], encoding="utf-8")
