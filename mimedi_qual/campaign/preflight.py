"""Preflight: every input of a campaign is checked before anything starts.

Bench profile, acceptance profile (every criteria file of its folder), URS
(every file of ``profiles/urs``), the feature files of the chosen stages, the
traceability gate (every requirement has a scenario, every URS tag and
criterion id exists), the selection, and — given the step vocabulary — the
protocol check of every selected scenario (:func:`check_protocol_files`:
every step matches a step definition, every criterion it names exists, is a
criterion and not a number, and has a unit of what the step measures). A problem raises a
:class:`~mimedi_qual.errors.MimediQualError` naming the file and line; the
faces turn it into exit code 2 (CLI) or a usage error (pytest) — nothing has
been created or started by then.

>>> plan = preflight(project_paths(), stages=("iq",))           # doctest: +SKIP
>>> len(plan.scenarios), plan.bench_profile.bench.id              # doctest: +SKIP
(11, 'SIM-BENCH-01')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mimedi_qual.errors import ProtocolError
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_acceptance, load_bench, load_urs
from mimedi_qual.profiles.acceptance import AcceptanceProfile
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.qualification.protocol import load_protocol
from mimedi_qual.qualification.protocol_check import StepDefinition, check_protocol, raise_for
from mimedi_qual.qualification.selection import Selection, select
from mimedi_qual.qualification.traceability import check_traceability, load_requirements
from mimedi_qual.simbench.simulation_profiles import simulation_profiles

STAGES = ("iq", "oq", "pq")


class TraceabilityError(ProtocolError):
    """The protocol does not trace the URS (a requirement without a scenario, an unknown URS tag or criterion)."""

    def __init__(self, message: str):
        super().__init__(None, None, message)


@dataclass(frozen=True)
class CampaignPlan:
    """What preflight found: the profiles, the stage directories and the scenarios selected."""

    bench_path: Path
    bench_profile: BenchProfile
    acceptance_path: Path
    acceptance: AcceptanceProfile
    stages: tuple[str, ...]
    stage_dirs: tuple[Path, ...]
    scenarios: tuple
    marker_expression: str


def check_traceability_gate(paths: ProjectPaths, acceptance: AcceptanceProfile | None) -> None:
    """The traceability gate over the whole protocol (every stage), as both faces run it."""
    gaps = check_traceability(load_requirements(paths.urs), load_protocol([paths.features]), acceptance)
    if not gaps.ok:
        raise TraceabilityError("traceability gate: the protocol does not trace the URS\n" + gaps.message())


def check_protocol_files(paths: list[Path], vocabulary: list[StepDefinition], acceptance: AcceptanceProfile | None,
                         bench_profile: BenchProfile | None = None, *, scenarios=None,
                         profiles_dir: Path | None = None) -> None:
    """The protocol check (:mod:`mimedi_qual.qualification.protocol_check`); ProtocolCheckError lists every problem.

    ``scenarios``: only these ScenarioRefs are checked step by step (None: every scenario under ``paths``).
    """
    instruments = {name: i.kind for name, i in bench_profile.instruments.items()} if bench_profile else None
    selected = {(Path(s.feature_file), s.line) for s in scenarios} if scenarios is not None else None
    raise_for(check_protocol(paths, vocabulary, acceptance, instruments, selected=selected,
                             profiles_dir=profiles_dir))


def load_bench_profile(bench_path: Path) -> BenchProfile:
    """The bench profile, and for a simulated bench the controller and twin profiles its simulator will load.

    Both faces load a bench this way, so a broken profile of either kind is
    bad input (``path:line``) before a campaign directory exists.
    """
    bench_profile = load_bench(bench_path)
    if bench_profile.bench.kind == "simulated":
        simulation_profiles(bench_profile)
    return bench_profile


def preflight(paths: ProjectPaths, *, bench_path: Path | None = None, acceptance_path: Path | None = None,
              stages: tuple[str, ...] = STAGES, modules: tuple[str, ...] = (), risks: tuple[str, ...] = (),
              tags: str | None = None, vocabulary: list[StepDefinition] | None = None) -> CampaignPlan:
    """Check every input; raise a MimediQualError (ProfileError, ProtocolError, SelectionError) on the first problem.

    ``vocabulary``: the step definitions (``mimedi_qual.plugin.vocabulary.step_definitions()``, handed in by
    the faces above this layer); with it, every selected scenario is checked step by step as well.
    """
    from mimedi_qual.qualification.selection import SelectionError

    stages = tuple(s.lower() for s in stages)
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        raise SelectionError(f"--stage {', '.join(unknown)}: unknown stage (choose from {', '.join(STAGES)})")
    bench_path = Path(bench_path or paths.default_bench)
    acceptance_path = Path(acceptance_path or paths.default_acceptance)
    bench_profile = load_bench_profile(bench_path)
    acceptance = load_acceptance(acceptance_path)
    for urs_file in sorted(paths.urs.glob("*.yaml")):
        load_urs(urs_file)
    load_requirements(paths.urs)  # and no requirement id in two files
    stage_dirs = tuple(paths.features / s for s in stages)
    missing = [d for d in stage_dirs if not d.is_dir()]
    if missing:
        raise ProtocolError(missing[0], None, f"no such protocol directory ({paths.describe()})")
    scenarios = load_protocol(list(stage_dirs))
    check_traceability_gate(paths, acceptance)
    try:
        selected = select(scenarios, load_requirements(paths.urs),
                          Selection(stages, tuple(modules), tuple(r.lower() for r in risks), tags))
    except SelectionError as exc:
        if "matches no scenario" not in exc.message:
            raise
        raise SelectionError(f"{exc.message} — looked in {', '.join(str(d) for d in stage_dirs)} "
                             f"({paths.describe()})") from None
    if vocabulary is not None:
        check_protocol_files(list(stage_dirs), vocabulary, acceptance, bench_profile, scenarios=selected.scenarios,
                             profiles_dir=paths.profiles)
    return CampaignPlan(bench_path=bench_path, bench_profile=bench_profile, acceptance_path=acceptance_path,
                        acceptance=acceptance, stages=stages, stage_dirs=stage_dirs,
                        scenarios=tuple(selected.scenarios), marker_expression=selected.marker_expression)
