"""``mimedi-qual user add | deactivate | list``: the signing users, administered under an admin's authority.

::

    mimedi-qual user add ada --name "Ada Admin" --role admin           # empty registry: bootstraps it
    mimedi-qual user add rita --name "Rita Review" --role reviewer --by ada
    printf '%s\\n%s\\n' "$ADA_PW" "$RITA_PW" | mimedi-qual user add rita --name "Rita Review" \\
        --role reviewer --by ada --password-stdin                      # admin's password, then the new one
    mimedi-qual user deactivate rita --by ada --reason "left the company"
    mimedi-qual user list

The first user of an empty registry must hold ``admin``; every later act needs
``--by ADMIN_ID`` and that admin's password. A refused act (unknown admin, not
an admin, wrong password, an id already taken) exits 1 and is recorded in the
registry's history (``registry-log.jsonl`` beside ``users.yaml``); a missing
``--by`` or a malformed argument exits 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mimedi_qual.evidence.registry_log import Act
from mimedi_qual.evidence.users import Role

EXIT_PROBLEMS, EXIT_BAD_INPUT = 1, 2

UsersOption = Annotated[
    Path | None,
    typer.Option("--users", envvar="MIMEDI_QUAL_USERS",
                 help="User registry (users.yaml) [default: the project's profiles/users/users.yaml]."),
]
KeysOption = Annotated[
    Path | None,
    typer.Option("--keys", envvar="MIMEDI_QUAL_KEYS", help="Keystore directory [default: keys/ beside --users]."),
]


def registry_path(users: Path | None) -> Path:
    """``--users`` / ``$MIMEDI_QUAL_USERS``, else the project's registry (never one relative to the cwd)."""
    from mimedi_qual.paths import project_paths

    return users if users is not None else project_paths().users_registry


def keys_dir(users: Path | None, keys: Path | None) -> Path:
    """``--keys`` / ``$MIMEDI_QUAL_KEYS``, else ``keys/`` beside the registry."""
    return keys if keys is not None else registry_path(users).parent / "keys"


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)

user_app = typer.Typer(help="Manage the users who sign campaigns and protocols (an admin's act).",
                       no_args_is_help=True)

ByOption = Annotated[str | None, typer.Option("--by", help="Admin who authorises the act (their password is asked).")]


def _password(prompt: str, password_stdin: bool, *, confirm: bool = False) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)


def _load(path: Path):
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.users import UserRegistry

    try:
        return UserRegistry.load(path)
    except ProfileError as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None


def _need_admin(registry, by: str | None, act, subject: str, roles=()) -> None:
    """No ``--by`` on a registry that has users: the attempt is refused and recorded (exit 1)."""
    from mimedi_qual.evidence.registry_log import locked
    from mimedi_qual.evidence.users import UserRegistry, refuse_without_authority

    if not by:
        with locked(registry.path):          # one act on the history at a time, across processes
            current = UserRegistry.load(registry.path)
            refused = refuse_without_authority(current, act=act, subject=subject, roles=roles)
        raise _fail(f"refused ({refused.reason_code}): {refused}  [recorded in {registry.history.path}]",
                    EXIT_PROBLEMS)


@user_app.command("add")
def user_add(
    user_id: Annotated[str, typer.Argument(help="User id, e.g. jdoe (lower case).")],
    name: Annotated[str, typer.Option("--name", help="Printed name shown on signatures.")],
    role: Annotated[list[Role], typer.Option("--role", help="Role (repeat for several).")],
    by: ByOption = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin",
        help="Read passwords from stdin: the admin's (--by) on the first line, the new user's on the next.")] = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Create a user: an Ed25519 key pair, the private key encrypted with the user's password.

    On an empty registry the first user must hold the admin role (bootstrap);
    after that an admin (--by) authorises every new user with their password.
    """
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.users import AuthorityRefused, UserError, create_user, key_fingerprint, key_path

    path, keystore = registry_path(users), keys_dir(users, keys)
    registry = _load(path)
    bootstrap = registry.history.empty
    by_password = None
    if bootstrap:
        if Role.ADMIN not in role:
            raise _fail(f"error: the registry {path} is empty: its first user bootstraps it and must hold the "
                        "admin role (--role admin); that admin then adds every other user with --by", EXIT_BAD_INPUT)
    else:
        _need_admin(registry, by, Act.ADD, user_id, role)
        by_password = _password(f"Password of admin {by}", password_stdin)
    password = _password(f"Password for the new user {user_id}", password_stdin, confirm=not password_stdin)
    try:
        created = create_user(path, keystore, user_id=user_id, printed_name=name, roles=role, password=password,
                              by=None if bootstrap else by, by_password=by_password)
    except AuthorityRefused as exc:
        raise _fail(f"refused ({exc.reason_code}): {exc}  [recorded in {registry.history.path}]",
                    EXIT_PROBLEMS) from None
    except (UserError, ProfileError) as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    how = "bootstraps the registry" if bootstrap else f"added by admin {by}"
    typer.echo(
        f"user {created.user_id} ({created.printed_name}; roles {', '.join(sorted(created.roles))}) {how}: {path}\n"
        f"key {key_fingerprint(created.public_key_ed25519)}, private key {key_path(keystore, user_id)}"
    )


@user_app.command("deactivate")
def user_deactivate(
    user_id: Annotated[str, typer.Argument(help="User id to deactivate (it stays taken: ids are never reused).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
    by: ByOption = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the admin's (--by) password from the first line of stdin.")] = False,
    users: UsersOption = None,
    keys: KeysOption = None,
) -> None:
    """Deactivate a user: they can no longer sign; their past signatures stay valid."""
    from mimedi_qual.errors import ProfileError
    from mimedi_qual.evidence.users import AuthorityRefused, UserError, deactivate_user

    path, keystore = registry_path(users), keys_dir(users, keys)
    registry = _load(path)
    _need_admin(registry, by, Act.DEACTIVATE, user_id)
    by_password = _password(f"Password of admin {by}", password_stdin)
    try:
        state = deactivate_user(path, keystore, user_id=user_id, by=by, by_password=by_password, reason=reason)
    except AuthorityRefused as exc:
        raise _fail(f"refused ({exc.reason_code}): {exc}  [recorded in {registry.history.path}]",
                    EXIT_PROBLEMS) from None
    except (UserError, ProfileError) as exc:
        raise _fail(f"error: {exc}", EXIT_BAD_INPUT) from None
    typer.echo(f"user {user_id} deactivated by admin {by} at {state.deactivated_utc} "
               f"(registry history entry #{state.deactivated_seq})")


@user_app.command("list")
def user_list(users: UsersOption = None) -> None:
    """The registered users (checked against the registry's history) and when and by whom each was added."""
    from mimedi_qual.evidence.users import key_fingerprint

    path = registry_path(users)
    registry = _load(path)
    history = registry.history
    typer.echo(f"{path}: {len(history.users)} user(s), history {history.path} "
               f"({len(history.entries)} entries, head {history.head_hash[:16]}…)")
    for state in sorted(history.users.values(), key=lambda s: s.user_id):
        status = "active" if state.active else f"deactivated {state.deactivated_utc}"
        typer.echo(f"  {state.user_id:<16} {state.printed_name:<24} {','.join(sorted(state.roles)):<26} "
                   f"{key_fingerprint(state.public_key_ed25519)}  added {state.added_utc} by {state.added_by}; "
                   f"{status}")
