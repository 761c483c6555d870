"""``flask report completion``: the completion report as a file, without opening a browser."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from reports.exports import FORMATS, report_file, report_filename
from reports.queries import find_symposium, report_data
from reports.stats import completion_figures
from symposium import db
from symposium.models import utcnow

report_cli = AppGroup("report", help="The completion report's figures as files.")


@report_cli.command("completion")
@click.argument("symposium")
@click.option(
    "--format",
    "format_",
    type=click.Choice(list(FORMATS)),
    default="pdf",
    show_default=True,
    help="csv is a zip of one CSV file per table.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write; '-' for standard output. Default: completion-report-<project>.",
)
def completion(symposium: str, format_: str, output: Path | None) -> None:
    """Write the completion report of SYMPOSIUM (its id or its project number)."""
    with db.database().sessionmaker() as session:
        found = find_symposium(session, symposium)
        if found is None:
            raise click.ClickException(f"No symposium with id or project number {symposium!r}.")
        figures = completion_figures(report_data(session, found), utcnow())
    data = report_file(figures, format_)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    path = output or Path(report_filename(figures, format_))
    try:
        path.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"Cannot write {path}: {error.strerror}.") from None
    click.echo(f"Wrote {path} ({len(data):,} bytes).", err=True)
