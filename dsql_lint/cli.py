"""Command line entry point.

Subcommands live in their own modules and are imported only when invoked, so that
`dsql-lint check` never pays for boto3 or psycopg (startup time is a feature).
"""

from __future__ import annotations

import importlib
import sys

import click

from dsql_lint import __version__
from dsql_lint.commands import gc_policy
from dsql_lint.errors import UserError

# name -> "module:attribute" of a click.Command
COMMANDS: dict[str, str] = {
    "check": "dsql_lint.commands.check:check",
    "fix": "dsql_lint.commands.fix:fix",
    "apply": "dsql_lint.commands.apply:apply",
    "status": "dsql_lint.commands.apply:status",
    "validate": "dsql_lint.commands.validate:validate",
    "repair": "dsql_lint.commands.repair:repair",
    "baseline": "dsql_lint.commands.baseline:baseline",
    "cluster": "dsql_lint.commands.cluster:cluster",
    "doctor": "dsql_lint.commands.doctor:doctor",
    "rules": "dsql_lint.commands.docs:rules",
    "explain": "dsql_lint.commands.docs:explain",
    "init": "dsql_lint.commands.init:init",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name and err.name.startswith("dsql_lint"):
                return None
            raise
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dsql-lint")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Lint, fix and apply PostgreSQL migrations for Amazon Aurora DSQL."""
    gc_policy.start(ctx)


def main() -> None:
    try:
        code = cli.main(prog_name="dsql-lint", standalone_mode=False, obj=gc_policy.PROCESS_ENDS)
    except UserError as err:
        click.echo(f"dsql-lint: error: {err}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.UsageError as err:
        hint = f" (see `{err.ctx.command_path} --help`)" if err.ctx else ""
        click.echo(f"dsql-lint: error: {err.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as err:
        click.echo(f"dsql-lint: error: {err.format_message()}", err=True)
        sys.exit(err.exit_code)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
