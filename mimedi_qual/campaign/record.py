"""The beginning and end of a campaign record: who, what protocol, which bench.

Written by the campaign service (:mod:`mimedi_qual.campaign.service`) for every
face — ``mimedi-qual run`` and plain ``pytest`` — so both leave the same record:

``campaign_started`` → ``protocol`` (the judging inputs actually used — features,
URS, the acceptance profile given or the default one, its equipment register,
the process recipes — by path and SHA-256, their hash, valid approvals,
requirements in scope; a ``protocol_changed`` deviation naming the files if an
approved protocol exists and this one differs) → ``instrument_identity`` per instrument (as found on the bench,
with its calibration) → … steps, measurements, scenarios, deviations …
→ ``allure_result`` per result file → ``campaign_finished``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from mimedi_qual.evidence.protocol import judging_files, load_approvals, protocol_hash, record_protocol
from mimedi_qual.evidence.store import EvidenceStore, NotACampaignError
from mimedi_qual.campaign.prerequisites import stage_prerequisites
from mimedi_qual.evidence.status import release_decision
from mimedi_qual.paths import ProjectPaths
from mimedi_qual.profiles import load_urs
from mimedi_qual.profiles.bench import BenchProfile
from mimedi_qual.profiles.loader import load_protocol_document

TIME_SOURCE = "host system clock (UTC), as synchronised by the operating system"


def open_or_create(campaign_dir: Path) -> EvidenceStore:
    try:
        return EvidenceStore.open(campaign_dir)
    except NotACampaignError:
        return EvidenceStore.create(campaign_dir, exist_ok=True)


def git_commit(root: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def harness_version() -> str:
    try:
        return metadata.version("mimedi-qual")
    except metadata.PackageNotFoundError:
        return "unknown"


def users_file(root: Path) -> Path:
    """The user registry of the project at ``root`` (``$MIMEDI_QUAL_USERS`` names another one)."""
    return ProjectPaths.at(root).users_registry


def executor_identity(root: Path, user_id: str | None) -> tuple[str, str]:
    """(user id, printed name): from the user registry when the user is registered."""
    user_id = user_id or getpass.getuser()
    try:
        from mimedi_qual.evidence.users import UserRegistry

        registry = UserRegistry.load(users_file(root))
        user = registry.get(user_id)
        if user is not None:
            return user.user_id, user.printed_name
    except Exception:  # an absent or empty registry: the OS account is the executor
        pass
    return user_id, f"{user_id} (operating-system account, not in the user registry)"


def record_campaign_start(store: EvidenceStore, *, root: Path, campaign_id: str, stages: list[str],
                          bench: BenchProfile, bench_path: Path, acceptance_path: Path,
                          executor_user_id: str | None = None,
                          prerequisite_dirs: list[Path] | None = None) -> None:
    """Write campaign_started and protocol records (the CLI calls this before running)."""
    document = load_protocol_document(ProjectPaths.at(root).protocol_document)
    user_id, printed_name = executor_identity(root, executor_user_id)
    controller = next((i for i in bench.instruments.values() if i.kind == "bioreactor"), None)
    equipment = None
    if controller is not None:
        equipment = {"name": "MiMédi bioreactor", "model": controller.identity.model,
                     "serial": controller.identity.serial, "firmware": controller.identity.firmware}
    requirements = []
    for urs_file in sorted((root / "profiles" / "urs").glob("*.yaml")):
        for req_id, req in load_urs(urs_file).requirements.items():
            if req.stage.lower() in stages:
                requirements.append({"id": req_id, "text": req.text, "risk": req.risk, "stage": req.stage})
    paths = judging_files(ProjectPaths.at(root), document.files, acceptance_path)
    digest = protocol_hash(paths, root)
    store.append("campaign_started", {
        "campaign_id": campaign_id,
        "stage": "+".join(s.upper() for s in stages),
        "protocol_id": document.id,
        "protocol_version": document.version,
        "protocol_hash": digest,
        "bench_profile": str(bench_path),
        "bench_simulated": bench.bench.kind == "simulated",
        "bench_id": bench.bench.id,
        "executor_user_id": user_id,
        "executor_printed_name": printed_name,
        "site": bench.bench.site,
        "equipment": equipment,
        "harness_version": harness_version(),
        "git_commit": git_commit(root),
        "time_source": TIME_SOURCE,
        "environment": _environment(bench, acceptance_path),
        "objective": document.objective,
        "scope": document.scope,
        "system_boundary": document.system_boundary,
        "prerequisites": stage_prerequisites(stages, list(prerequisite_dirs or [])),
        "references": document.references,
    })
    registry = None
    try:
        from mimedi_qual.evidence.users import UserRegistry

        registry = UserRegistry.load(users_file(root))
    except Exception:
        registry = None
    approvals = load_approvals(ProjectPaths.at(root).approvals, document.id, document.version)
    record_protocol(store, protocol_id=document.id, protocol_version=document.version, paths=paths,
                    root=root, approvals=approvals, registry=registry, requirements=requirements)


def _environment(bench: BenchProfile, acceptance_path: Path) -> dict:
    """Conditions of execution (a qualification record states its environmental conditions) and the software environment."""
    environment = {"python": platform.python_version(), "host": platform.node(),
                   "acceptance_profile": str(acceptance_path),
                   "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    if bench.simulation is not None:
        # On the twin the room is part of the simulation; a real bench records its own readings.
        environment["ambient_temperature_c"] = bench.simulation.plant.ambient_c
        environment["ambient_conditions_source"] = "simulated bench profile (digital twin)"
    return environment


def record_instruments(store: EvidenceStore, bench) -> None:
    """One instrument_identity record per instrument, as it answers on the bench today."""
    today = dt.datetime.now(dt.timezone.utc).date()
    for name, instrument in bench.profile.instruments.items():
        try:
            idn = bench.identify(name)
        except Exception as exc:  # recorded as found: the IQ scenario judges it
            idn = f"no answer: {exc}"
        cal = instrument.calibration
        store.append("instrument_identity", {
            "name": name,
            "quantity": "controller" if instrument.kind == "bioreactor" else instrument.kind,
            "manufacturer": instrument.identity.manufacturer,
            "model": instrument.identity.model,
            "serial": instrument.identity.serial,
            "firmware": instrument.identity.firmware,
            "idn": idn,
            "calibration_certificate": cal.certificate if cal else "",
            "calibration_due_date": cal.due_on.isoformat() if cal else None,
            "in_calibration": bool(cal) and not cal.is_due(today),
        })


def record_campaign_finish(store: EvidenceStore) -> dict:
    """campaign_finished: the executor's conclusion and recommendation (decided in :mod:`.status`)."""
    payload = release_decision(store.records()).as_payload()
    store.append("campaign_finished", payload)
    return payload
