"""The beginning and end of a campaign record: who, what protocol, which bench.

Written by the campaign service (:mod:`mimedi_qual.campaign.service`) for every
face — ``mimedi-qual run`` and plain ``pytest`` — so both leave the same record:

``campaign_started`` → ``protocol`` (the judging inputs actually used — features,
URS, the acceptance profile given or the default one, its equipment register,
the process recipes — by path and SHA-256, their hash, valid approvals,
requirements in scope; a ``protocol_changed`` deviation naming the files if an
approved protocol exists and this one differs) → a ``prerequisite_not_released``
deviation per stage whose earlier stage is not released (:mod:`.prerequisites`)
→ ``instrument_identity`` per instrument (as found on the bench, with its
calibration) → … steps, measurements, scenarios, deviations …
→ ``allure_result`` per result file → ``campaign_finished``.
"""

from __future__ import annotations

import datetime as dt
import getpass
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mimedi_qual.errors import EvidenceError
from mimedi_qual.evidence.execution import DRY_RUN_LABEL, sign_execution
from mimedi_qual.evidence.ledger import resolve_ledger_path
from mimedi_qual.evidence.protocol import judging_files, load_approvals, protocol_hash, record_protocol
from mimedi_qual.evidence.store import EvidenceStore, NotACampaignError
from mimedi_qual.campaign.prerequisites import record_unreleased_prerequisites, stage_gates
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


class ExecutorRefused(EvidenceError):
    """The executor may not start this campaign; nothing was created, the attempt is in the registry history.

    A real bench needs a registered user with the ``executor`` role who gives
    their password; so does ``--user`` on the simulated bench.
    """

    def __init__(self, message: str, reason_code: str):
        super().__init__(message)
        self.reason_code = reason_code


@dataclass(frozen=True)
class Executor:
    """Who runs the campaign: a registered executor with their unlocked key, or a dry run's OS account."""

    user_id: str
    printed_name: str
    key: Ed25519PrivateKey | None = field(default=None, repr=False)

    @property
    def registered(self) -> bool:
        return self.key is not None


def authenticate_executor(root: Path, user_id: str | None, password: str | None, *, simulated: bool) -> Executor:
    """The campaign's executor, decided before anything is created (see :mod:`mimedi_qual.evidence.execution`).

    With a password: ``user_id`` must be an active registered user holding the
    ``executor`` role and the password must unlock their key — else
    :class:`ExecutorRefused`, recorded in the registry history. Without one:
    allowed on the simulated bench only, as a labelled dry run (the OS account
    when no ``user_id``); refused on a real bench.
    """
    from mimedi_qual.evidence.registry_log import Act, locked
    from mimedi_qual.evidence.store import utc_now
    from mimedi_qual.evidence.users import Role, UserError, UserRegistry, WrongPasswordError

    paths = ProjectPaths.at(root)
    if password is None:
        if not simulated:
            raise ExecutorRefused(
                "a campaign on a real bench is executed by a registered user with the executor role who signs its "
                "start: give --user ID (the password is asked; --password-stdin for scripts)", "no_executor")
        user_id = user_id or getpass.getuser()
        return Executor(user_id, f"{user_id} ({DRY_RUN_LABEL})")
    user_id = user_id or getpass.getuser()
    registry_path = paths.users_registry
    registry = UserRegistry.load(registry_path)   # a broken registry: ProfileError, bad input

    def refuse(code: str, message: str) -> ExecutorRefused:
        if registry_path.is_file():
            with locked(registry_path):
                UserRegistry.load(registry_path).history.append(
                    act=Act.REFUSED, utc=utc_now(), user_id=user_id, by=user_id,
                    detail=f"{code}: campaign start refused: {message}")
        return ExecutorRefused(f"campaign start refused: {message}", code)

    try:
        user = registry.get(user_id)
    except UserError as exc:
        raise refuse("unknown_user", str(exc)) from None
    if not user.has_role(Role.EXECUTOR):
        raise refuse("role_not_held", f"{user_id!r} does not hold the executor role "
                                      f"(holds {', '.join(sorted(user.roles))})")
    try:
        key = registry.unlock(user_id, password, paths.users_keys)
    except WrongPasswordError:
        raise refuse("wrong_password", f"wrong password for {user_id!r}") from None
    except UserError as exc:
        raise refuse("key_unavailable", str(exc)) from None
    return Executor(user.user_id, user.printed_name, key)


def authenticate_resumer(root: Path, campaign_dir: Path, user_id: str | None, password: str | None, *,
                         simulated: bool) -> Executor | None:
    """Who may resume ``campaign_dir``: its executor, with their password, when its start was signed.

    A dry run on the simulated bench resumes as it started (None: nobody signs). A campaign whose start
    an executor signed, or any campaign on a real bench, is resumed only by that executor with the
    key that signed the start; anyone else is :class:`ExecutorRefused`.
    """
    from mimedi_qual.evidence.execution import executor_status

    with EvidenceStore.open(campaign_dir, read_only=True) as store:
        started = executor_status(store.records())
    if started.dry_run and simulated:
        return None
    if started.dry_run:
        raise ExecutorRefused(f"{campaign_dir} ran on a real bench without a signed start: it cannot be resumed",
                              "no_executor")
    if user_id is None or password is None:
        raise ExecutorRefused(f"{campaign_dir} was started by {started.printed_name} ({started.user_id}): only they "
                              f"resume it — give --user {started.user_id} (the password is asked)", "no_executor")
    if user_id != started.user_id:
        raise ExecutorRefused(f"{user_id} did not start {campaign_dir} ({started.user_id} did): only its executor "
                              "resumes it", "not_executor")
    executor = authenticate_executor(root, user_id, password, simulated=False)
    from mimedi_qual.evidence.users import public_key_b64

    if public_key_b64(executor.key.public_key()) != started.public_key_ed25519:
        raise ExecutorRefused(f"{user_id}'s key is not the key that signed the start of {campaign_dir}",
                              "not_the_executor_key")
    return executor


def record_campaign_start(store: EvidenceStore, *, root: Path, campaign_id: str, stages: list[str],
                          bench: BenchProfile, bench_path: Path, acceptance_path: Path,
                          executor_user_id: str | None = None,
                          prerequisite_dirs: list[Path] | None = None, executor: Executor | None = None,
                          selection: dict | None = None) -> None:
    """Write campaign_started and protocol records (the CLI calls this before running).

    ``executor`` (from :func:`authenticate_executor`) signs the start; without
    one, ``executor_user_id`` (or the OS account) runs a dry run — allowed on the
    simulated bench only. ``selection`` (``{"modules": [...], "risks": [...], "tags": str | None}``) is the
    scenario selection within the stages: recorded so that ``run --resume`` runs the same scenarios.
    """
    document = load_protocol_document(ProjectPaths.at(root).protocol_document)
    if executor is None:
        executor = authenticate_executor(root, executor_user_id, None, simulated=bench.bench.kind == "simulated")
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
    gates = stage_gates(stages, list(prerequisite_dirs or []), bench_id=bench.bench.id, protocol_id=document.id,
                        registry_path=users_file(root))
    paths = judging_files(ProjectPaths.at(root), document.files, acceptance_path)
    digest = protocol_hash(paths, root)
    started = {
        "campaign_id": campaign_id,
        "stage": "+".join(s.upper() for s in stages),
        "protocol_id": document.id,
        "protocol_version": document.version,
        "protocol_hash": digest,
        "bench_profile": str(bench_path),
        "bench_simulated": bench.bench.kind == "simulated",
        "bench_id": bench.bench.id,
        "executor_user_id": executor.user_id,
        "executor_printed_name": executor.printed_name,
        "dry_run": not executor.registered,
        "site": bench.bench.site,
        "equipment": equipment,
        "harness_version": harness_version(),
        "git_commit": git_commit(root),
        "time_source": TIME_SOURCE,
        "environment": _environment(bench, acceptance_path),
        "objective": document.objective,
        "scope": document.scope,
        "system_boundary": document.system_boundary,
        "prerequisites": [gate.statement for gate in gates],
        "stage_gates": [gate.as_payload() for gate in gates],
        "references": document.references,
        "selection": {"modules": list((selection or {}).get("modules") or ()),
                      "risks": list((selection or {}).get("risks") or ()),
                      "tags": (selection or {}).get("tags") or None},
        # the lab ledger this campaign's head is anchored in (evidence.ledger): the store follows it from here
        "ledger": str(resolve_ledger_path(root, bench.ledger)),
    }
    if executor.registered:
        from mimedi_qual.evidence.store import utc_now

        started = sign_execution(dict(started, executor_signed_utc=utc_now()), executor.key)
    store.append("campaign_started", started)
    registry = None
    try:
        from mimedi_qual.evidence.users import UserRegistry

        registry = UserRegistry.load(users_file(root))
    except Exception:
        registry = None
    approvals = load_approvals(ProjectPaths.at(root).approvals, document.id, document.version)
    record_protocol(store, protocol_id=document.id, protocol_version=document.version, paths=paths,
                    root=root, approvals=approvals, registry=registry, requirements=requirements)
    record_unreleased_prerequisites(store, gates)


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


def end_time_utc() -> str:
    """Now, as a campaign's end time is written: UTC, ISO 8601, to the second, ``Z`` (``2026-12-02T14:17:18Z``)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def record_campaign_finish(store: EvidenceStore, *, finished_utc: str | None = None,
                           extra: dict | None = None) -> dict:
    """campaign_finished: the executor's conclusion and recommendation (decided in :mod:`.status`) and
    ``finished_utc``, the campaign's one end time (the views were given the same value before this record
    was written, because the Allure results they write are recorded first). ``extra``: the service adds
    ``scenarios_selected`` / ``scenarios_run`` and ``views`` (True: the views follow, and the campaign is
    complete only once ``summary.pdf`` is recorded after this record)."""
    payload = {**release_decision(store.records()).as_payload(), "finished_utc": finished_utc or end_time_utc(),
               **(extra or {})}
    store.append("campaign_finished", payload)
    return payload
