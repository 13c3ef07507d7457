"""The ``gravity`` command. Each subcommand lives in its own ``<name>_cmd.py`` module."""

from __future__ import annotations

import logging
import sys

import click

from gravity.errors import GravityError

COMMAND_MODULES = (
    "worker_cmd",
    "traces_cmd",
    "reconstruct_cmd",
    "inspect_cmd",
    "demo_cmd",
    "serve_cmd",
    "verify_cmd",
    "compact_cmd",
    "dict_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-v", "--verbose", count=True, help="Log more to stderr: -v for info, -vv for debug."
)
def cli(verbose: int) -> None:
    """Gravity keeps OpenTelemetry traces of LLM calls whole, deduplicated and compressed."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _register_commands() -> None:
    import importlib

    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"gravity.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"gravity.cli.{module_name}":
                continue  # a command module not written yet
            raise
        cli.add_command(module.command)


_register_commands()


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GravityError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
