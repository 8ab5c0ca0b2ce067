"""pytest plugin of mimedi-qual (registered by the ``pytest11`` entry point): the campaign's pytest face.

What it adds to any pytest run:

* ``--bench PROFILE`` — the bench to run protocols on. A run that collects
  Gherkin scenarios without it stops with a usage error: labgrid's own plugin
  would *skip* such tests, and a campaign could go green having tested nothing.
* ``--acceptance FILE``, ``--campaign-dir DIR`` (default ``reports/<campaign-id>/``,
  as ``mimedi-qual run``), ``--prerequisite DIR`` (repeatable: the campaign that
  released the earlier stage, :mod:`mimedi_qual.campaign.prerequisites`),
  ``--no-views``, ``--bench-addresses JSON``.
* ``.feature`` files are collected directly (:mod:`.collection`).
* Gherkin tags ``@URS-...`` become the Allure ``story`` label, with severity
  from the URS risk; the requirement's text (with its risk, stage and module)
  heads the scenario's Allure description, before the feature's and the
  scenario's own description — inline, not a link into the source tree, which
  the reader of a report does not have.
* Fixtures: ``campaign`` (a :class:`~.context.CampaignContext`, session-wide:
  the bench is started once and closed at the end, whatever happens).

The campaign itself — its record, its bench, its views — belongs to the
campaign service (:mod:`mimedi_qual.campaign.service`). Under ``mimedi-qual
run`` the service is already running and registered its
:class:`~mimedi_qual.campaign.service.Campaign` as a plugin; under plain
pytest this plugin opens one at configure time and closes it at session end,
so both leave the same evidence directory: the record, ``report.html`` and
``summary.pdf``.

The project (features/, profiles/) is the ini option ``mimedi_project``
(``features/pytest.ini`` says ``..``), else :func:`mimedi_qual.paths.project_paths`.
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
EVIDENCE_PLUGIN = "mimedi-evidence"

_config: pytest.Config | None = None
_urs_cache: dict | None = None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mimedi-qual", "MiMédi qualification campaign")
    group.addoption("--bench", metavar="PROFILE", default=None,
                    help="bench profile to run the protocols on (e.g. profiles/benches/sim.yaml)")
    group.addoption("--acceptance", metavar="FILE", default=None,
                    help="acceptance criteria profile (default: <project>/profiles/acceptance/criteria.yaml)")
    group.addoption("--campaign-dir", metavar="DIR", default=None,
                    help="directory for this campaign's evidence (default: <project>/reports/<campaign-id>/)")
    group.addoption("--prerequisite", metavar="DIR", action="append", default=[],
                    help="campaign directory that released the earlier stage (IQ for OQ, OQ for PQ); repeatable. "
                         "Without it, OQ and PQ record a prerequisite_not_released deviation")
    group.addoption("--no-views", action="store_true", default=False,
                    help="write the campaign record only: no report.html, no summary.pdf")
    group.addoption("--bench-addresses", metavar="JSON", default=None,
                    help="device name → address map (JSON file) of a bench already running: the output of "
                         "`mimedi-qual bench up --json`, or of an acquired labgrid place. Nothing is started locally.")
    parser.addini("mimedi_project", type="paths", default=[],
                  help="the project root holding features/ and profiles/ (relative to the ini file)")


def project(config: pytest.Config):
    """The project's :class:`~mimedi_qual.paths.ProjectPaths` for this run."""
    from mimedi_qual.paths import ProjectPaths, project_paths

    configured = config.getini("mimedi_project")
    return ProjectPaths.at(Path(configured[0]), found_by=f"mimedi_project in {config.inipath}") if configured \
        else project_paths()


def _acceptance_path(config: pytest.Config) -> Path:
    return Path(config.getoption("--acceptance") or project(config).default_acceptance)


def _runs_campaign(config: pytest.Config) -> bool:
    return config.getoption("--bench") is not None and not config.option.collectonly


def the_campaign(config: pytest.Config):
    """The running :class:`~mimedi_qual.campaign.service.Campaign` (the service's, or this run's own)."""
    from mimedi_qual.campaign.service import Campaign

    # list_name_plugin, not get_plugins(): that builds a set, and plugin objects need not be hashable
    return next((p for _name, p in config.pluginmanager.list_name_plugin() if isinstance(p, Campaign)), None)


@pytest.hookimpl(tryfirst=True)  # before allure-pytest-bdd reads --alluredir
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
    if _runs_campaign(config):
        _open_campaign(config)


def _open_campaign(config: pytest.Config) -> None:
    """With a bench, every run writes the campaign record as it goes (the service's, or its own)."""
    import allure_commons

    from mimedi_qual.plugin.evidence_recorder import EvidenceRecorder

    campaign = the_campaign(config)
    if campaign is None:
        campaign = _open_own_campaign(config)
    recorder = EvidenceRecorder(campaign.store, campaign.paths.root)
    config.pluginmanager.register(recorder, EVIDENCE_PLUGIN)
    allure_commons.plugin_manager.register(recorder, EVIDENCE_PLUGIN)
    # every reconnection attempt of an instrument driver is a record of the campaign (issue 17 item 4)
    from mimedi_qual.lab.drivers import scpi

    scpi.RECONNECT_LISTENERS.append(recorder.record_reconnect)


def _open_own_campaign(config: pytest.Config):
    """Plain pytest: open a campaign as ``mimedi-qual run`` would (bad profiles are usage errors)."""
    from mimedi_qual.campaign.preflight import load_bench_profile
    from mimedi_qual.campaign.service import Campaign, new_campaign_id
    from mimedi_qual.errors import MimediQualError

    paths = project(config)
    bench_path = Path(config.getoption("--bench"))
    try:
        bench_profile = load_bench_profile(bench_path)
        _protocol_preflight(config, bench_profile)  # before the campaign directory exists: bad input creates nothing
    except MimediQualError as exc:
        raise pytest.UsageError(str(exc)) from None
    chosen = config.getoption("--campaign-dir")
    campaign_dir = Path(chosen) if chosen else paths.reports / new_campaign_id(bench_profile.bench.id)
    campaign_dir.mkdir(parents=True, exist_ok=True)
    views = not config.getoption("--no-views")
    if views and config.pluginmanager.has_plugin("allure_pytest_bdd") and not config.option.allure_report_dir:
        config.option.allure_report_dir = str(campaign_dir / "allure-results")
    try:   # plain pytest signs nothing: a dry run on the simulated bench, refused on a real one
        campaign = Campaign.create(paths, campaign_dir, bench_profile=bench_profile, bench_path=bench_path,
                                   acceptance_path=_acceptance_path(config), stages=_stages_asked(config),
                                   views=views, prerequisites=[Path(p) for p in config.getoption("--prerequisite")])
    except MimediQualError as exc:
        if not any(campaign_dir.iterdir()):
            campaign_dir.rmdir()
        raise pytest.UsageError(f"{exc} (plain pytest cannot sign: use mimedi-qual run --user ID)") from None
    config._mimedi_own_campaign = campaign
    config.pluginmanager.register(campaign, "mimedi-campaign")
    return campaign


def _protocol_preflight(config: pytest.Config, bench_profile) -> None:
    """Plain pytest: the traceability gate and the protocol check of the feature files asked for, as ``run`` does."""
    from mimedi_qual.campaign.preflight import check_protocol_files, check_traceability_gate
    from mimedi_qual.plugin.vocabulary import step_definitions
    from mimedi_qual.profiles import load_acceptance

    paths = project(config)
    acceptance_path = _acceptance_path(config)
    acceptance = load_acceptance(acceptance_path) if acceptance_path.exists() else None
    if paths.urs.is_dir() and paths.features.is_dir():
        check_traceability_gate(paths, acceptance)
    targets = [Path(str(arg).split("::")[0]) for arg in config.args]
    targets = [t for t in targets if t.is_dir() or t.suffix == ".feature"]
    if targets:
        check_protocol_files(targets, step_definitions(), acceptance, bench_profile, profiles_dir=paths.profiles)


def pytest_report_header(config: pytest.Config) -> str:
    """Where the protocol comes from, at the top of every run."""
    return f"mimedi-qual protocol: {project(config).describe()}"


def _stages_asked(config: pytest.Config) -> list[str]:
    """The stages of the paths on the command line (``features/iq`` → iq); all three for ``features/``."""
    from mimedi_qual.qualification.protocol import STAGES, stage_of

    found = set()
    for arg in config.args:
        path = Path(str(arg).split("::")[0])
        stage = (path.name.upper() if path.name.upper() in STAGES else None) or stage_of(path)
        if stage is None:
            return [s.lower() for s in STAGES]  # a directory above the stages, or a file outside them
        found.add(stage.lower())
    return [s.lower() for s in STAGES if s.lower() in found] or [s.lower() for s in STAGES]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Plain pytest: close the campaign this run opened (record, report.html, summary.pdf).

    Interrupted (Ctrl-C): the record stays unfinished, to be finished by ``mimedi-qual run --resume``.
    """
    campaign = getattr(session.config, "_mimedi_own_campaign", None)
    if campaign is None:
        return
    results = getattr(session.config.option, "allure_report_dir", None)   # None: allure-pytest-bdd not loaded
    _detach_recorder(session.config)
    campaign.close(Path(results) if results else None,
                   interrupted=exitstatus == pytest.ExitCode.INTERRUPTED
                   and not getattr(session.config, "_mimedi_collection_failed", False))


def pytest_collectreport(report) -> None:
    # pytest ends a run with collection errors as INTERRUPTED too: that is bad input, not an interruption
    if report.failed and _config is not None:
        _config._mimedi_collection_failed = True


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    campaign = getattr(config, "_mimedi_own_campaign", None)
    if campaign is None:
        return
    terminalreporter.write_sep("-", "mimedi-qual campaign")
    terminalreporter.write_line(f"Evidence: {campaign.campaign_dir}")
    for problem in campaign.view_files.problems:
        terminalreporter.write_line(f"warning: {problem}")
    if campaign.view_files.summary is not None:
        terminalreporter.write_line(f"Summary report: {campaign.view_files.summary}")
    if campaign.view_files.report is not None:
        terminalreporter.write_line(f"Report: {campaign.view_files.report}")


def _detach_recorder(config: pytest.Config) -> None:
    recorder = config.pluginmanager.get_plugin(EVIDENCE_PLUGIN)
    if recorder is not None:
        import allure_commons

        allure_commons.plugin_manager.unregister(name=EVIDENCE_PLUGIN)
        config.pluginmanager.unregister(name=EVIDENCE_PLUGIN)
        from mimedi_qual.lab.drivers import scpi

        if recorder.record_reconnect in scpi.RECONNECT_LISTENERS:
            scpi.RECONNECT_LISTENERS.remove(recorder.record_reconnect)


def pytest_unconfigure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("mimedi-labgrid-steps")
    if reporter is not None:
        reporter.unsubscribe()
    _detach_recorder(config)
    own = getattr(config, "_mimedi_own_campaign", None)
    if own is not None and own.closed is None:  # the session never finished (usage error): close the record
        own.close()


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
            for path in sorted(project(_config).urs.glob("*.yaml")):
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
    function = getattr(pytest.mark, tag)(function)
    return True


def urs_description(item: pytest.Item) -> str | None:
    """The Allure description of a scenario: the text of every requirement it verifies, then the Gherkin descriptions.

    Markdown (Allure renders it): ``**URS-OQ-TEMP-001** (risk high, OQ, module expansion): The bioreactor …``.
    """
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    urs_ids = list(dict.fromkeys(m.args[0] for m in item.iter_markers("urs")))
    if not urs_ids:
        return None
    requirements = _urs_requirements()
    lines = []
    for urs in urs_ids:
        requirement = requirements.get(urs)
        lines.append(f"- **{urs}** (risk {requirement.risk}, {requirement.stage}, module {requirement.module}): "
                     f"{requirement.text}" if requirement is not None else f"- **{urs}**: not in the URS")
    parts = ["Verifies:\n\n" + "\n".join(lines)]
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    if template is not None:
        parts += [d for d in (str(getattr(o, "description", "") or "").strip() for o in (template.feature, template))
                  if d]
    return "\n\n".join(parts)


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
    for item in items:
        description = urs_description(item) if _is_scenario(item) else None
        if description:
            item.add_marker(pytest.mark.allure_description(description))
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
    """Plain pytest runs get the same gate as ``mimedi-qual run`` (campaign.preflight)."""
    from mimedi_qual.campaign.preflight import check_traceability_gate
    from mimedi_qual.errors import MimediQualError
    from mimedi_qual.profiles import load_acceptance

    paths = project(config)
    if not paths.urs.is_dir() or not paths.features.is_dir():
        return
    try:
        acceptance_path = _acceptance_path(config)
        acceptance = load_acceptance(acceptance_path) if acceptance_path.exists() else None
        check_traceability_gate(paths, acceptance)
    except MimediQualError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.fixture(scope="session")
def campaign(request: pytest.FixtureRequest):
    """The running campaign: bench up for the whole session, closed at the end."""
    from mimedi_qual.campaign.bench import bench_session
    from mimedi_qual.campaign.record import record_instruments
    from mimedi_qual.plugin.context import CampaignContext
    from mimedi_qual.profiles import load_acceptance, load_bench

    config = request.config
    owner = the_campaign(config)
    if owner is None:  # pragma: no cover - guarded at collection
        raise pytest.UsageError("--bench PROFILE is required")
    bench_path = Path(config.getoption("--bench"))
    acceptance_path = _acceptance_path(config)
    bench_profile = load_bench(bench_path)
    acceptance = load_acceptance(acceptance_path)
    addresses_file = config.getoption("--bench-addresses")
    addresses = owner.place_addresses
    if addresses is None and addresses_file:
        addresses = json.loads(Path(addresses_file).read_text())
    recorder = config.pluginmanager.get_plugin(EVIDENCE_PLUGIN)
    with bench_session(bench_profile, bench_path, owner.campaign_dir, addresses,
                       from_place=addresses is not None) as bench:
        record_instruments(owner.store, bench)
        yield CampaignContext(
            bench=bench,
            acceptance=acceptance,
            acceptance_path=acceptance_path,
            profiles_dir=owner.paths.profiles,
            campaign_dir=owner.campaign_dir,
            recorder=recorder,
        )


@pytest.fixture
def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()
