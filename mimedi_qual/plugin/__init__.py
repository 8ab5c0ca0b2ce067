"""pytest plugin of mimedi-qual (registered by the ``pytest11`` entry point).

What it adds to any pytest run:

* ``--bench PROFILE`` — the bench to run protocols on. A run that collects
  Gherkin scenarios without it stops with a usage error: labgrid's own plugin
  would *skip* such tests and a campaign could go green having tested nothing
  (TRAPS 6).
* ``--acceptance FILE``, ``--campaign-dir DIR`` — override the acceptance
  profile (e.g. a tightened copy) and where evidence is written.
* ``.feature`` files are collected directly (:mod:`.collection`).
* Gherkin tags ``@URS-...`` become the Allure ``story`` label and a link to
  the requirement, with severity from the URS risk.
* Fixtures: ``campaign`` (a :class:`~.context.CampaignContext`, session-wide:
  the bench is started once and closed at the end, whatever happens).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from mimedi_qual.plugin.collection import FeatureModule

# The step vocabulary: mimedi_qual/steps/__init__.py lists its modules in its own pytest_plugins.
pytest_plugins = ["mimedi_qual.steps"]

URS_TAG = re.compile(r"^URS-[A-Za-z0-9-]+$")
SEVERITY_FOR_RISK = {"high": "critical", "medium": "normal", "low": "minor"}
DEFAULT_PROFILES_DIR = "profiles"

_config: pytest.Config | None = None
_urs_cache: dict | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mimedi-qual", "MiMédi qualification campaign")
    group.addoption("--bench", metavar="PROFILE", default=None,
                    help="bench profile to run the protocols on (e.g. profiles/benches/sim.yaml)")
    group.addoption("--acceptance", metavar="FILE", default=None,
                    help="acceptance criteria profile (default: <profiles>/acceptance/criteria.yaml)")
    group.addoption("--campaign-dir", metavar="DIR", default=None,
                    help="directory for this campaign's evidence (default: a temporary directory)")
    group.addoption("--bench-addresses", metavar="JSON", default=None,
                    help="device name → address map (JSON file) of a bench already running: the output of "
                         "`mimedi-qual bench up --json`, or of an acquired labgrid place (mimedi-qual run "
                         "--coordinator ... --place ... writes it). Nothing is started locally.")
    parser.addini("mimedi_profiles", type="paths", default=[],
                  help="the profiles directory (URS, acceptance, process recipes)")


def profiles_dir(config: pytest.Config) -> Path:
    configured = config.getini("mimedi_profiles")
    if configured:
        return Path(configured[0])
    return Path(config.invocation_params.dir) / DEFAULT_PROFILES_DIR


def pytest_configure(config: pytest.Config) -> None:
    global _config, _urs_cache
    _config = config
    _urs_cache = None
    config.addinivalue_line("markers", "urs(id): the user requirement a scenario verifies")
    # Every labgrid step (device I/O) becomes an Allure sub-step of the running Gherkin step.
    from mimedi_qual.report.labgrid_steps import LabgridStepReporter

    reporter = LabgridStepReporter()
    config.pluginmanager.register(reporter, "mimedi-labgrid-steps")
    reporter.subscribe()
    _start_evidence_record(config)


EVIDENCE_PLUGIN = "mimedi-evidence"


def _campaign_dir(config: pytest.Config) -> Path:
    """--campaign-dir, or a fresh temporary directory for this run (remembered)."""
    chosen = getattr(config, "_mimedi_campaign_dir", None)
    if chosen is None:
        import tempfile

        option = config.getoption("--campaign-dir")
        chosen = Path(option) if option else Path(tempfile.mkdtemp(prefix="mimedi-campaign-"))
        chosen.mkdir(parents=True, exist_ok=True)
        config._mimedi_campaign_dir = chosen
    return chosen


def _start_evidence_record(config: pytest.Config) -> None:
    """With a bench, every run writes the campaign record (evidence store) as it goes."""
    if config.getoption("--bench") is None or config.option.collectonly:
        return
    from mimedi_qual.plugin.campaign_record import open_or_create, record_campaign_start
    from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder
    from mimedi_qual.profiles import load_bench

    campaign_dir = _campaign_dir(config)
    store = open_or_create(campaign_dir)
    root = profiles_dir(config).resolve().parent
    config._mimedi_owns_record = len(store) == 0
    if config._mimedi_owns_record:
        # Plain pytest run: nobody wrote the campaign's first records yet.
        bench_path = Path(config.getoption("--bench"))
        record_campaign_start(
            store, root=root, campaign_id=campaign_dir.name, stages=["iq", "oq", "pq"],
            bench=load_bench(bench_path), bench_path=bench_path,
            acceptance_path=Path(config.getoption("--acceptance") or profiles_dir(config) / "acceptance" / "criteria.yaml"),
        )
    recorder = EvidenceRecorder(store, root)
    config.pluginmanager.register(recorder, EVIDENCE_PLUGIN)
    import allure_commons

    allure_commons.plugin_manager.register(recorder, EVIDENCE_PLUGIN)


def pytest_unconfigure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("mimedi-labgrid-steps")
    if reporter is not None:
        reporter.unsubscribe()
    recorder = config.pluginmanager.get_plugin(EVIDENCE_PLUGIN)
    if recorder is not None:
        import allure_commons

        if getattr(config, "_mimedi_owns_record", False):
            from mimedi_qual.plugin.campaign_record import record_campaign_finish

            record_campaign_finish(recorder.store)
        allure_commons.plugin_manager.unregister(name=EVIDENCE_PLUGIN)
        recorder.store.close()


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".feature":
        return FeatureModule.from_parent(parent, path=file_path)
    return None


def _urs_requirements() -> dict:
    """URS requirements by id from every file in <profiles>/urs (empty if none)."""
    global _urs_cache
    if _urs_cache is None:
        from mimedi_qual.profiles import load_urs

        _urs_cache = {}
        if _config is not None:
            for path in sorted((profiles_dir(_config) / "urs").glob("*.yaml")):
                _urs_cache.update(load_urs(path).requirements)
    return _urs_cache


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function):
    """Map tags to Allure labels; register every tag as a marker (no warnings)."""
    if _config is not None:
        _config.addinivalue_line("markers", f"{tag}: Gherkin tag")
    if URS_TAG.match(tag):
        function = pytest.mark.allure_label(tag, label_type="story")(function)
        function = pytest.mark.urs(tag)(function)
        requirement = _urs_requirements().get(tag)
        if requirement is not None:
            severity = SEVERITY_FOR_RISK[requirement.risk]
            function = pytest.mark.allure_label(severity, label_type="severity")(function)
            function = pytest.mark.allure_label(requirement.module, label_type="feature")(function)
        function = pytest.mark.allure_link(f"../../profiles/urs/#{tag}", name=tag, link_type="tms")(function)
    function = getattr(pytest.mark, tag)(function)
    return True


def _is_scenario(item: pytest.Item) -> bool:
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    obj = getattr(item, "obj", None)
    return obj is not None and obj in scenario_wrapper_template_registry


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--bench") is None and any(_is_scenario(i) for i in items):
        raise pytest.UsageError(
            "Gherkin protocols were collected but no bench was given: pass --bench PROFILE "
            "(e.g. --bench profiles/benches/sim.yaml). Refusing to run them against nothing."
        )
    if any(_is_scenario(i) for i in items):
        _traceability_gate(config)
    if (getattr(config.option, "allure_report_dir", None)
            and not config.pluginmanager.has_plugin("allure_pytest_bdd")
            and any(_is_scenario(i) for i in items)):
        raise pytest.UsageError(
            "Gherkin protocols must report through allure-pytest-bdd, but this run loaded "
            f"allure-pytest (config file {config.inipath}). Use the protocols' own configuration: "
            "pytest -c features/pytest.ini features/ --bench=PROFILE ... "
            "(write --bench=PROFILE with '=' so pytest does not take the profile for a test path)."
        )


def _traceability_gate(config: pytest.Config) -> None:
    """Plain pytest runs get the same gate as ``mimedi-qual run`` (qualification/traceability.py)."""
    from mimedi_qual.profiles import ProfileError, load_acceptance
    from mimedi_qual.qualification.protocol import ProtocolError, load_protocol
    from mimedi_qual.qualification.traceability import check_traceability, load_requirements

    profiles = profiles_dir(config)
    features = profiles.parent / "features"
    if not (profiles / "urs").is_dir() or not features.is_dir():
        return
    try:
        acceptance_path = Path(config.getoption("--acceptance") or profiles / "acceptance" / "criteria.yaml")
        acceptance = load_acceptance(acceptance_path) if acceptance_path.exists() else None
        gaps = check_traceability(load_requirements(profiles / "urs"), load_protocol([features]), acceptance)
    except (ProfileError, ProtocolError) as exc:
        raise pytest.UsageError(str(exc)) from None
    if not gaps.ok:
        raise pytest.UsageError("traceability gate: the protocol does not trace the URS\n" + gaps.message())


@pytest.fixture(scope="session")
def campaign(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The running campaign: bench up for the whole session, closed at the end."""
    from mimedi_qual.lab.bench import Bench
    from mimedi_qual.plugin.context import CampaignContext
    from mimedi_qual.profiles import load_acceptance, load_bench

    config = request.config
    bench_path = config.getoption("--bench")
    if bench_path is None:  # pragma: no cover - guarded at collection
        raise pytest.UsageError("--bench PROFILE is required")
    profiles = profiles_dir(config)
    acceptance_path = Path(config.getoption("--acceptance") or profiles / "acceptance" / "criteria.yaml")
    campaign_dir = _campaign_dir(config)
    recorder = config.pluginmanager.get_plugin(EVIDENCE_PLUGIN)
    bench_profile = load_bench(bench_path)
    acceptance = load_acceptance(acceptance_path)
    addresses_file = config.getoption("--bench-addresses")
    addresses = json.loads(Path(addresses_file).read_text()) if addresses_file else None
    bench = Bench.open(bench_profile, Path(bench_path), campaign_dir, addresses=addresses)
    try:
        if recorder is not None:
            from mimedi_qual.plugin.campaign_record import record_instruments

            record_instruments(recorder.store, bench)
        yield CampaignContext(
            bench=bench,
            acceptance=acceptance,
            acceptance_path=acceptance_path,
            profiles_dir=profiles,
            campaign_dir=campaign_dir,
            recorder=recorder,
        )
    finally:
        bench.close()


@pytest.fixture
def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()
