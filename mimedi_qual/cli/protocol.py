"""``mimedi-qual protocol render``: the protocol as a document for pre-approval."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

protocol_app = typer.Typer(help="The qualification protocol as a controlled document.", no_args_is_help=True)


@protocol_app.command("render")
def render(
    out: Annotated[Path | None, typer.Option(help="output HTML file (default: reports/protocol-<id>-v<version>.html)")] = None,
) -> None:
    """Render features, criteria and URS into one HTML document with the protocol hash."""
    from rich.console import Console

    from mimedi_qual.errors import ProfileError
    from mimedi_qual.paths import project_paths
    from mimedi_qual.profiles.loader import load_protocol_document
    from mimedi_qual.report.protocol_document import render_protocol

    console = Console()
    paths = project_paths()
    try:
        doc = load_protocol_document(paths.protocol_document)
        output = out or paths.reports / f"protocol-{doc.id}-v{doc.version}.html"
        path, digest = render_protocol(paths, output)
    except (ProfileError, FileNotFoundError) as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(f"Protocol {doc.id} v{doc.version}", highlight=False)
    console.print(f"Protocol hash: {digest}", highlight=False, soft_wrap=True)
    console.print(f"Document: {path}", highlight=False, soft_wrap=True)
