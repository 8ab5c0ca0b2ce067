"""``mimedi-qual sign``, ``verify``, ``summary``, ``approve-protocol``: the evidence commands.

(``mimedi-qual user …``, the administration of the signing users, is :mod:`mimedi_qual.cli.users`.) ::

    mimedi-qual user add jdoe --name "Jane Doe" --role reviewer --by ada   # admin's password, then jdoe's
    mimedi-qual sign reports/C-0001 --user jdoe --role reviewer --meaning reviewed
    echo "$PW" | mimedi-qual sign reports/C-0001 --user qa.lee --role approver --meaning approved-pq --password-stdin
    mimedi-qual sign reports/C-0001 --user qa.lee --role approver --meaning conditionally-approved-pq \\
        --accepts DEV-001,OQ-TEMP-ACC --justification "…"      # names every failed criterion and open deviation
    mimedi-qual close-deviation reports/C-0001 DEV-001 --user jdoe --role reviewer --root-cause "…" \\
        --action "…" --product-impact none --quality-impact minor --impact-assessment "…" --capa CAPA-2026-014
    mimedi-qual reopen-deviation reports/C-0001 DEV-001 --user jdoe --role reviewer --reason "…"
    mimedi-qual verify reports/C-0001          # exit 0 intact, 1 not intact, 2 not a campaign
    mimedi-qual summary reports/C-0001         # writes reports/C-0001/summary.pdf from the store (recorded)
    mimedi-qual verify reports/C-0001 --pdf ~/Downloads/summary.pdf   # is this copy the current build?
    mimedi-qual approve-protocol MQ-MIMEDI-001 0.1 --user qa.lee   # the files `run` judges by (or list PATHS)

The user registry is the project's (``profiles/users/users.yaml`` of the
project :mod:`mimedi_qual.paths` finds, whatever the current directory) and the
keystore the ``keys/`` directory beside it; ``--users`` / ``--keys`` or the
``MIMEDI_QUAL_USERS`` / ``MIMEDI_QUAL_KEYS`` environment variables override.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mimedi_qual.cli.users import KeysOption, UsersOption, user_app
from mimedi_qual.cli.users import keys_dir as _keys_dir
from mimedi_qual.cli.users import registry_path as _registry_path
from mimedi_qual.evidence.deviations import ImpactLevel
from mimedi_qual.evidence.users import Role

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT = 0, 1, 2

PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (scripts).")
]


def _signers(users: Path | None, keys: Path | None):
    """The user registry and the keystore directory a signature needs; a broken registry exits 2."""
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.users import UserRegistry

    try:
        return UserRegistry.load(_registry_path(users)), _keys_dir(users, keys)
    except ProfileError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None


def _read_password(password_stdin: bool, *, confirm: bool = False) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def _meanings(path: Path | None):
    """The signature meanings profile (default: the project's); a broken one exits 2 naming file:line."""
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.paths import project_paths
    from mimedi_qual.profiles.loader import load_signature_meanings

    try:
        return load_signature_meanings(path or project_paths().signature_meanings)
    except ProfileError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None


def _ids(values: list[str] | None) -> list[str]:
    """``--accepts DEV-001,OQ-TEMP-ACC --accepts DEV-002`` → the ids, in order."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def sign(
    campaign_dir: Annotated[Path, typer.Argument(help="Campaign directory (reports/<campaign-id>).")],
    user: Annotated[str, typer.Option("--user", help="Signer's user id.")],
    role: Annotated[Role, typer.Option("--role", help="Role the signature is given in.")],
    meaning: Annotated[str, typer.Option(
        "--meaning", help="One of the role's meanings in profiles/signatures/meanings.yaml, by id "
                          "(reviewed, approved-pq, conditionally-approved-pq, rejected, …); free text is refused.")],
    justification: Annotated[str, typer.Option(
        "--justification", help="Why a conditional release accepts what it names in --accepts.")] = "",
    accepts: Annotated[list[str] | None, typer.Option(
        "--accepts", help="Conditional release: every failed criterion and open deviation it accepts "
                          "(comma-separated or repeated), e.g. DEV-001,OQ-TEMP-ACC.")] = None,
    meanings: Annotated[Path | None, typer.Option(
        "--meanings", help="Signature meanings profile [default: the project's profiles/signatures/meanings.yaml].")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Sign a campaign's record (its head hash) as reviewer, approver or executor.

    The whole record is verified first: a campaign that is not intact is refused. An approver's meaning
    carries the release decision (released to a stage, conditionally with what it accepts, or rejected);
    a release is refused while a criterion failed or a deviation is open (unless conditional and naming
    each), on an unapproved protocol, an unfinished or interrupted campaign and a dry run. Every refusal
    is recorded in the campaign's audit trail (exit 1).
    """
    from mimedi_qual.evidence.signatures import SignatureRefused, sign_campaign
    from mimedi_qual.evidence.store import EvidenceStore, NotACampaignError

    registry, keys_dir = _signers(users, keys)
    profile = _meanings(meanings)
    try:
        store = EvidenceStore.open(campaign_dir)
    except NotACampaignError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    with store:
        password = _read_password(password_stdin)
        try:
            record = sign_campaign(
                store, registry, keys_dir,
                user_id=user, password=password, role=role, meaning=meaning,
                justification=justification, accepts=_ids(accepts), meanings=profile,
            )
        except SignatureRefused as exc:
            raise _fail(f"signature refused ({exc.reason_code}): {exc}\n[recorded in the campaign's audit trail]",
                        EXIT_PROBLEMS) from None
    p = record.payload
    typer.echo(
        f"signed by {p['printed_name']} ({p['user_id']}) as {p['role']} — \"{p['meaning']}\" at {p['signed_utc']}\n"
        f"over record #{p['signed_head_seq']} {p['signed_head_hash']}; signature record #{record.seq}"
    )
    if p["release"]["decision"] != "none":
        from mimedi_qual.evidence.status import stage_release

        with EvidenceStore.open(campaign_dir, read_only=True) as store:
            typer.echo(f"release: {stage_release(store.records()).statement}")


def _site_ledger(campaign_dir: Path) -> Path:
    """The lab ledger of the bench the record names (its profile's ``ledger``), else the project's default."""
    from mimedi_qual.errors import MimediQualError
    from mimedi_qual.evidence.ledger import resolve_ledger_path
    from mimedi_qual.evidence.store import STORE_FILE_NAME, EvidenceStore
    from mimedi_qual.paths import project_paths
    from mimedi_qual.profiles.loader import load_bench

    root = project_paths().root
    setting = None
    if (campaign_dir / STORE_FILE_NAME).is_file():
        with EvidenceStore.open(campaign_dir, read_only=True, validate=False) as store:
            first = store.record(1)
        bench = Path(str(first.payload.get("bench_profile", ""))) if first is not None else None
        if bench is not None and str(bench):
            bench = bench if bench.is_absolute() else root / bench
            if bench.is_file():
                try:
                    setting = load_bench(bench).ledger
                except (MimediQualError, OSError):
                    setting = None
    return resolve_ledger_path(root, setting)


def verify(
    campaign_dir: Annotated[Path, typer.Argument(help="Campaign directory (reports/<campaign-id>).")],
    users: UsersOption = None,
    pdf: Annotated[
        Path | None,
        typer.Option("--pdf", help="A copy of the summary PDF (anywhere): say which recorded build it is."),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option("--ledger", envvar="MIMEDI_QUAL_LEDGER", help="The lab ledger to check the campaign's head against (default: the one "
                                      "the bench profile names, else <project>/ledger/lab-ledger.jsonl)."),
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Do not check against a lab ledger (a cut-off tail or a "
                                               "rechained copy then goes unseen; a warning says so)."),
    ] = False,
) -> None:
    """Recompute the chain, raw-data, Allure-result, view, signature and ledger checks; name every problem.

    Says which record each view (summary.pdf, report.html) matches. Exit 0 when
    intact (and, with --pdf, the copy is the current recorded build), 1 when
    anything is altered, missing or added or the copy matches no current
    build, 2 when the directory is not a campaign or --pdf names no file.

    Signatures are checked against the user registry's history (the project's
    ``profiles/users/``, or ``--users``): no registry found, a broken one, or a
    signer it does not know is a problem, never a warning (verify fails closed): exit 1.

    The campaign's head is checked against the lab ledger (``--ledger`` / ``$MIMEDI_QUAL_LEDGER``, else the
    ``ledger`` setting of the bench profile the record names, else
    ``<project>/ledger/lab-ledger.jsonl``): a cut-off tail, stripped signatures,
    a rechained copy, a campaign the ledger never saw, an altered ledger or no
    ledger at all is a problem: exit 1. ``--no-ledger`` skips it, with a warning.
    """
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.store import NotACampaignError
    from mimedi_qual.evidence.users import UserRegistry
    from mimedi_qual.evidence.verify import match_view_copy, verify_campaign

    if pdf is not None and not pdf.is_file():
        raise _fail(f"error: --pdf {pdf}: no such file", EXIT_BAD_INPUT)
    path = _registry_path(users)
    registry, registry_problem = None, None
    if not path.is_file():
        registry_problem = f"no user registry found at {path}: signatures cannot be checked"
    else:
        try:
            registry = UserRegistry.load(path)
        except ProfileError as exc:
            registry_problem = f"cannot be trusted: {exc}"
    try:
        ledger_path = None if no_ledger else (ledger or _site_ledger(campaign_dir))
        report = verify_campaign(campaign_dir, registry, ledger_path)
    except NotACampaignError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    if no_ledger:
        typer.echo("  warning: --no-ledger: the campaign's head was not checked against the lab ledger — records "
                   "cut off its end, stripped signatures or a rechained copy would pass")
    else:
        typer.echo(f"  head checked against the lab ledger {ledger_path}"
                   + (f" (last anchor {report.ledger_head})" if report.ledger_head else ""))
    if registry_problem:
        report.add("unverifiable", "user registry", registry_problem)
    else:
        history = registry.history
        typer.echo(f"  signers checked against the user registry {path} (history {history.path.name}: "
                   f"{len(history.entries)} entries, head {history.head_hash[:16]}…)")
    for problem in report.problems:
        typer.echo(f"  {problem}")
    for warning in report.warnings:
        typer.echo(f"  warning: {warning}")
    for view in report.views:
        typer.echo(f"  {view}")
    copy_ok = True
    if pdf is not None:
        copy_ok, sentence = match_view_copy(campaign_dir, pdf)
        typer.echo(f"  {sentence}")
    typer.echo(report.summary())
    raise typer.Exit(EXIT_OK if report.ok and copy_ok else EXIT_PROBLEMS)


def summary(
    campaign_dir: Annotated[Path, typer.Argument(help="Campaign directory (reports/<campaign-id>).")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="PDF path [default: summary.pdf in the campaign].")
    ] = None,
) -> None:
    """Write the qualification summary report (PDF) from the campaign's evidence store.

    Then prints what the report says on every page (a record that does not verify: RECORD NOT INTACT, with
    the problems; exit 1) and the stage's release statement.

    The rebuild is itself recorded (a view_rebuilt record: the PDF's SHA-256, the head it was built over,
    who and when), so `verify` stays INTACT and names the record the PDF matches. report.html's QA
    section (signatures, approval status, deviation closures) is rebuilt and recorded the same way.
    """
    from mimedi_qual.campaign.views import rebuild_report, rebuild_summary
    from mimedi_qual.errors import EvidenceError
    from mimedi_qual.evidence.store import NotACampaignError

    if output is not None and output.is_dir():
        raise _fail(f"error: --output {output}: is a directory; name the PDF file", EXIT_BAD_INPUT)
    try:
        path, record = rebuild_summary(campaign_dir, output)
    except NotACampaignError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    except EvidenceError as exc:
        raise _fail(f"summary refused: {exc}  [recorded in the audit trail]", EXIT_PROBLEMS) from None
    p = record.payload
    typer.echo(f"summary report: {path}\nbuilt over record #{p['over_head_seq']}; recorded as record #{record.seq} "
               f"(view_rebuilt, SHA-256 {p['sha256']})")
    report_problem = None
    try:
        rebuilt = rebuild_report(campaign_dir)
    except EvidenceError as exc:
        rebuilt, report_problem = None, f"report.html not rebuilt: {exc}"
    if rebuilt is not None:
        report, report_record = rebuilt
        typer.echo(f"report: {report} (QA section rebuilt; recorded as record #{report_record.seq}, view_rebuilt, "
                   f"SHA-256 {report_record.payload['sha256']})")
    intact = _print_status(campaign_dir)
    if report_problem:
        raise _fail(report_problem, EXIT_PROBLEMS)
    if not intact:
        raise typer.Exit(EXIT_PROBLEMS)


def _print_status(campaign_dir: Path) -> bool:
    """Print what every view says — the notices (NOT INTACT first, with the problems) and the release statement.

    The integrity checked is the record's own, as the PDF banner checks it
    (:func:`~mimedi_qual.evidence.verify.record_problems`: chain, raw files, views, each signature against
    the key it embeds); ``mimedi-qual verify`` adds the user registry's history. Returns whether the
    record is intact.
    """
    from mimedi_qual.evidence import status
    from mimedi_qual.evidence.store import EvidenceStore
    from mimedi_qual.evidence.verify import record_problems

    problems = record_problems(campaign_dir)
    with EvidenceStore.open(campaign_dir, read_only=True) as store:
        records = store.records()
    for notice in status.notices(records, draft=True, integrity_problems=problems):
        typer.echo(f"NOTICE: {notice}")
    for problem in problems:
        typer.echo(f"  {problem}")
    typer.echo(f"release: {status.stage_release(records).statement}")
    return not problems


def approve_protocol_command(
    protocol_id: Annotated[str, typer.Argument(help="Protocol id, e.g. MQ-MIMEDI-001 (profiles/protocol/).")],
    version: Annotated[str, typer.Argument(help="Protocol version, e.g. 0.1.")],
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Files/directories to approve instead of the project's judging inputs (features, URS, "
             "acceptance profile and equipment register, process recipes).")] = None,
    user: Annotated[str, typer.Option("--user", help="Approver's user id.")] = ...,
    meaning: Annotated[str, typer.Option("--meaning")] = "approved for execution",
    acceptance: Annotated[Path | None, typer.Option(
        "--acceptance", help="Approve the judging inputs of runs with this acceptance profile "
                             "(`mimedi-qual run --acceptance FILE`); default: the project's criteria.")] = None,
    root: Annotated[Path | None, typer.Option(
        "--root", help="Explicit PATHS are named relative to this (default: the project root).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Directory for the approval JSON (default: the project's profiles/approvals).")] = None,
    password_stdin: PasswordStdinOption = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Pre-approve a protocol: sign the hash of the files that judge its campaigns.

    Without PATHS the approved set is what ``mimedi-qual run`` judges by: the
    features, the URS, the acceptance profile (``--acceptance``, default the
    project's criteria) with its equipment register, the process recipes, and
    the files the protocol document declares. A run whose judging inputs are
    not this set is "protocol not approved" and raises a ``protocol_changed``
    deviation naming the files that differ.
    """
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.protocol import approve_protocol, judging_files, manifest_differences, protocol_manifest
    from mimedi_qual.evidence.signatures import SignatureRefused
    from mimedi_qual.evidence.users import UserError, WrongPasswordError
    from mimedi_qual.paths import project_paths
    from mimedi_qual.profiles.loader import load_protocol_document

    project = project_paths()
    root = root or project.root
    try:
        registry, keys_dir = _signers(users, keys)
        document = load_protocol_document(project.protocol_document)
        runs_judge_by = judging_files(project, document.files, acceptance)
        manifest = protocol_manifest(paths or runs_judge_by, root if paths else project.root)
    except (FileNotFoundError, ValueError, ProfileError) as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    if (protocol_id, version) != (document.id, document.version):
        typer.echo(f"warning: campaigns run protocol {document.id} v{document.version} "
                   f"({project.protocol_document}); this approval of {protocol_id} v{version} will not apply to them",
                   err=True)
    if paths:
        differences = manifest_differences(protocol_manifest(runs_judge_by, project.root), manifest)
        if differences:
            typer.echo(f"warning: these files are not what `mimedi-qual run` judges by "
                       f"({differences.describe()}): its runs will not be approved by this", err=True)
    password = _read_password(password_stdin)
    try:
        approval = approve_protocol(
            registry, keys_dir, user_id=user, password=password, protocol_id=protocol_id,
            protocol_version=version, manifest=manifest, meaning=meaning,
        )
    except (SignatureRefused, WrongPasswordError) as exc:
        raise _fail(f"approval refused: {exc}", EXIT_PROBLEMS) from None
    except UserError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    path = approval.save((out_dir or project.approvals) / f"{protocol_id}-{version}-{user}.json")
    typer.echo(f"protocol {protocol_id} v{version} hash {approval.protocol_hash} ({len(manifest)} files)\n"
               f"approved by {approval.printed_name}: {path}")


class ClosingRole(StrEnum):
    """The roles that may close or re-open a deviation (never the campaign's executor)."""

    REVIEWER = "reviewer"
    APPROVER = "approver"


def _deviation_act(campaign_dir: Path, users: Path | None, keys: Path | None, password_stdin: bool, act):
    """Open the store, read the password, run ``act(store, registry, keys_dir, password)``; map refusals to exits."""
    from mimedi_qual.evidence.deviations import DeviationActRefused
    from mimedi_qual.evidence.store import EvidenceStore, EvidenceStoreError, NotACampaignError

    registry, keys_dir = _signers(users, keys)
    try:
        store = EvidenceStore.open(campaign_dir)
    except NotACampaignError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    with store:
        password = _read_password(password_stdin)
        try:
            return act(store, registry, keys_dir, password)
        except DeviationActRefused as exc:
            raise _fail(f"refused ({exc.reason_code}): {exc}\n[recorded in the campaign's audit trail]",
                        EXIT_PROBLEMS) from None
        except EvidenceStoreError as exc:
            raise _fail(f"error: {campaign_dir}: {exc}", EXIT_BAD_INPUT) from None


def close_deviation_command(
    campaign_dir: Annotated[Path, typer.Argument(help="Campaign directory.")],
    deviation_id: Annotated[str, typer.Argument(help="Deviation id, e.g. DEV-001.")],
    user: Annotated[str, typer.Option("--user", help="Who closes it (user id); signs with their password.")],
    role: Annotated[ClosingRole, typer.Option("--role", help="Role the closure is signed in.")],
    root_cause: Annotated[str, typer.Option("--root-cause", help="Why it happened (required, not empty).")],
    action: Annotated[str, typer.Option("--action", help="Corrective / preventive action taken.")],
    product_impact: Annotated[ImpactLevel, typer.Option("--product-impact", help="Impact on the product.")],
    quality_impact: Annotated[ImpactLevel, typer.Option("--quality-impact", help="Impact on quality / the GMP state.")],
    impact_assessment: Annotated[str, typer.Option(
        "--impact-assessment", help="The impact assessment: why the product and quality impact are as stated.")],
    capa: Annotated[str, typer.Option(
        "--capa", help='CAPA reference, e.g. CAPA-2026-014, or "none — why no CAPA is needed".')],
    password_stdin: PasswordStdinOption = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Close a deviation with an electronic signature (user id + password): root cause, action, impact, CAPA.

    A reviewer or approver who did not execute the campaign closes it, once; a closed deviation is
    re-opened with `mimedi-qual reopen-deviation` before it can be closed again. The deviation itself is
    never edited. A refusal is recorded in the campaign's audit trail (exit 1); an unknown deviation id is
    a usage error (exit 2).
    """
    from mimedi_qual.evidence.deviations import close_deviation

    record = _deviation_act(campaign_dir, users, keys, password_stdin, lambda store, registry, keys_dir, pw:
                            close_deviation(store, registry, keys_dir, deviation_id, user_id=user, password=pw,
                                            role=role.value, root_cause=root_cause, action=action,
                                            product_impact=product_impact, quality_impact=quality_impact,
                                            impact_assessment=impact_assessment, capa=capa))
    p = record.payload
    typer.echo(f"{deviation_id} closed by {p['printed_name']} ({p['user_id']}, {p['role']}) at {p['signed_utc']}; "
               f"CAPA {p['capa']}; signed closure record #{record.seq}\n"
               "rebuild the PDF with `mimedi-qual summary`")


def reopen_deviation_command(
    campaign_dir: Annotated[Path, typer.Argument(help="Campaign directory.")],
    deviation_id: Annotated[str, typer.Argument(help="Deviation id, e.g. DEV-001.")],
    user: Annotated[str, typer.Option("--user", help="Who re-opens it (user id); signs with their password.")],
    role: Annotated[ClosingRole, typer.Option("--role", help="Role the re-opening is signed in.")],
    reason: Annotated[str, typer.Option("--reason", help="Why the closure is withdrawn (required).")],
    password_stdin: PasswordStdinOption = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Re-open a closed deviation with an electronic signature; it can then be closed again."""
    from mimedi_qual.evidence.deviations import reopen_deviation

    record = _deviation_act(campaign_dir, users, keys, password_stdin, lambda store, registry, keys_dir, pw:
                            reopen_deviation(store, registry, keys_dir, deviation_id, user_id=user, password=pw,
                                             role=role.value, reason=reason))
    p = record.payload
    typer.echo(f"{deviation_id} re-opened by {p['printed_name']} ({p['user_id']}, {p['role']}) at "
               f"{p['signed_utc']}; signed record #{record.seq}")


def register(app: typer.Typer) -> None:
    """Add the evidence commands to the ``mimedi-qual`` application."""
    app.command("sign")(sign)
    app.command("verify")(verify)
    app.command("summary")(summary)
    app.command("approve-protocol")(approve_protocol_command)
    app.command("close-deviation")(close_deviation_command)
    app.command("reopen-deviation")(reopen_deviation_command)
    app.add_typer(user_app, name="user")
