"""`dsql-lint rules` and `dsql-lint explain`: rule docs generated from the rule YAML."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from pathlib import Path

import click

from dsql_lint.commands.options import config_options, parse_target
from dsql_lint.commands.runtime_answers import answering
from dsql_lint.engine.model import Origin, Rule, Worded, readable
from dsql_lint.errors import UserError
from dsql_lint.fix.fixers import fixer_for
from dsql_lint.lint.commands import REFUSED, Command, table
from dsql_lint.settings import all_rules
from dsql_lint.settings.resolve import Overrides, resolve_settings


def _target_date(target: str | None) -> dt.date:
    return parse_target(target) or dt.date.today()


def _project_rules(overrides: Overrides) -> list[Rule]:
    """The built-in rules and the project's own (`rule-dirs` of the configuration file found
    from the current directory), as `check` would run them."""
    return all_rules(resolve_settings(["."], overrides).lint)


@click.command()
@config_options
@click.option(
    "--target", "when", metavar="latest|YYYY-MM[-DD]", help="Show which rules are active then."
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown", "coverage"]),
    default="text",
    help="markdown: the full reference, as in docs/rules.md; coverage: every PostgreSQL "
    "command with DSQL's verdict, as in docs/coverage.md.",
)
def rules(when: str | None, output_format: str, overrides: Overrides) -> int:
    """List every rule (the project's own too): code, name, severity, fix availability, active
    for the target."""
    date = _target_date(when)
    loaded = _project_rules(overrides)
    if output_format == "markdown":
        click.echo(reference(loaded), nl=False)
        return 0
    if output_format == "coverage":
        click.echo(coverage(), nl=False)
        return 0
    if output_format == "json":
        import json

        click.echo(json.dumps([rule_summary(r, date) for r in loaded], indent=2))
        return 0
    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SCOPE", f"ACTIVE {date.isoformat()}")]
    for rule in loaded:
        active = "yes" if rule.active_on(date) else f"no (lifted {rule.lifted})"
        rows.append(
            (rule.code, rule.name, rule.severity.value, rule.fix.value, rule.scope.value, active)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return 0


def rule_summary(rule: Rule, date: dt.date) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "fix": rule.fix.value,
        "scope": rule.scope.value,
        "lifted": rule.lifted.isoformat() if rule.lifted else None,
        "active": rule.active_on(date),
        "message": rule.message,
    }


@click.command()
@config_options
@click.argument("rule_id")
def explain(rule_id: str, overrides: Overrides) -> int:
    """Print the documentation of a rule, by code (DSQL101), name (serial-column), or the
    error the cluster answered (`unsupported statement: Truncate`, `0A000`)."""
    wanted = rule_id.strip()
    loaded = _project_rules(overrides)
    for rule in loaded:
        if wanted.upper() == rule.code or wanted.lower() == rule.name:
            click.echo(explain_text(rule))
            click.echo(f"Defined at {_relative(rule.origin)}.")
            return 0
    answered = _closest(
        sorted((r for r in loaded if _answers(r, wanted)), key=_rank(wanted)), wanted
    )
    refused = _refused_commands(wanted)
    at_run_time = answering(_needle(wanted), _fits) if _needle(wanted) else []
    if len(answered) == 1 and not (refused or at_run_time):
        click.echo(explain_text(answered[0]))
        return 0
    if answered:
        click.echo(f"Rules whose statements Aurora DSQL answers with {wanted!r}:")
        for rule in answered:
            click.echo(f"  {rule.code} {rule.name}: {readable(rule.message)}")
    if refused:
        click.echo(f"Commands Aurora DSQL refuses with {wanted!r}:")
        for command in refused:
            click.echo(
                f"  {command.name}: {command.why or f'see `dsql-lint explain {command.rule}`'}"
            )
    if at_run_time:
        click.echo(f"What Aurora DSQL means at run time by {wanted!r}:")
        for answer in at_run_time:
            click.echo(answer.text(), nl=False)
    if answered or refused or at_run_time:
        return 0
    names = [key for rule in loaded for key in (rule.code, rule.name)]
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UserError(f"no rule {wanted!r}{hint}; `dsql-lint rules` lists them")


def _relative(origin: Origin) -> str:
    """`rules/types.yaml:2` rather than the absolute path, where the file is below here."""
    try:
        return f"{Path(origin.path).relative_to(Path.cwd())}:{origin.line}"
    except ValueError:
        return str(origin)


# A SQLSTATE as logs and drivers print it: `SQLSTATE 54000`, `sqlstate: 54000`, `(SQLSTATE
# 54000)` after a message, or before it as psql's verbose errors do (`ERROR:  54000: ...`).
_SQLSTATE_ALONE = re.compile(r"\(?sql\s*state\s*[:=]?\s*([0-9a-z]{5})\)?")
_SQLSTATE_AROUND = re.compile(r"^([0-9a-z]{5}):\s+|\s*\(?\bsql\s*state\s*[:=]?\s*[0-9a-z]{5}\)?$")


def _needle(text: str) -> str:
    """A SQLSTATE or a message as printed in a log (`ERROR:  unsupported statement: Truncate`),
    lower-cased for matching: a message without the SQLSTATE printed beside it."""
    needle = text.lower().strip().removeprefix("error:").strip()
    alone = _SQLSTATE_ALONE.fullmatch(needle)
    if alone is not None:
        return alone.group(1)
    return _SQLSTATE_AROUND.sub("", needle).strip()


def _answers(rule: Rule, text: str) -> bool:
    """Whether the cluster's answer to the rule's statements is `text` (a SQLSTATE, or part of
    the message)."""
    needle = _needle(text)
    return bool(needle) and any(
        needle == answer.sqlstate.lower()
        or (bool(answer.message) and _fits(answer.message.lower(), needle))
        for answer in rule.dsql
    )


def _rank(text: str) -> Callable[[Rule], tuple[bool, float]]:
    """Rules whose recorded answer is the text itself first, then those whose answer (its
    `<...>` parts aside) is closest to it: `datatype integer not supported, identity column
    type must be bigint` is DSQL155's answer, and fits DSQL105's `datatype <type> not
    supported` only as a pattern."""
    needle = _needle(text)

    def rank(rule: Rule) -> tuple[bool, float]:
        if any(needle == answer.sqlstate.lower() for answer in rule.dsql):
            return (False, 0.0)  # a SQLSTATE: every rule it names, in their order
        messages = [answer.message.lower() for answer in rule.dsql if answer.message]
        exact = needle in messages
        close = max(
            (difflib.SequenceMatcher(None, m, needle).ratio() for m in messages), default=0.0
        )
        return (not exact, -close)

    return rank


def _closest(rules: list[Rule], text: str) -> list[Rule]:
    """Without the rules whose answer fits the message only through more of its `<...>`
    parts than another's: `datatype integer[] not supported` is DSQL102's `datatype
    <type>[] not supported`, and DSQL105's `datatype <type> not supported` only if `<type>`
    is taken to be an array."""
    needle = _needle(text)

    def spelled(rule: Rule) -> int:  # how much of the message its answer spells as written
        return max(
            (
                len(re.sub(r"<[^>]*>", "", answer.message))
                for answer in rule.dsql
                if answer.message and _pattern(answer.message.lower()).search(needle)
            ),
            default=0,
        )

    most = max(map(spelled, rules), default=0)
    return [rule for rule in rules if spelled(rule) in (0, most)]


def _refused_commands(text: str) -> list[Command]:
    """The refused commands whose recorded answer's message is `text` (by SQLSTATE alone they
    would be most of the table)."""
    needle = _needle(text)
    found = []
    for command in table().values():
        message = (command.dsql or "").partition(" ")[2].lower()
        if needle and message and command.verdict == REFUSED and _fits(message, needle):
            found.append(command)
    return found


def _fits(message: str, needle: str) -> bool:
    """`<...>` in a recorded message stands for any text."""
    return _pattern(message).search(needle) is not None or needle in message


def _pattern(message: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in re.split(r"<[^>]*>", message)))


def explain_text(rule: Rule) -> str:
    """The docs of one rule as Markdown (also the source of docs/rules.md)."""
    lifted = f"lifted {rule.lifted.isoformat()}" if rule.lifted else "in force"
    fix = rule.fix.value
    fixer = fixer_for(rule)
    if fixer is not None and fixer.per_finding:
        fix += " (its fixer decides per finding; `check` shows each finding's)"
    lines = [
        f"## {rule.code} {rule.name}",
        "",
        f"Severity: {rule.severity.value}. Fix: {fix}. Scope: {rule.scope.value}. "
        f"Status: {lifted}.",
        "",
        f"**Message:** {readable(rule.message)}",
        *_variants(rule.message_when, readable),
        "",
        "### Why",
        "",
        rule.docs.why,
        "",
        "### Failing example",
        "",
        "```sql",
        rule.docs.bad,
        "```",
    ]
    if rule.docs.good:
        lines += ["", "### Fixed example", "", "```sql", rule.docs.good, "```"]
    if rule.suggestion:
        lines += ["", f"**Suggestion:** {rule.suggestion}"]
        lines += _variants(rule.suggestion_when, str)
    if rule.dsql:
        lines += ["", "### What Aurora DSQL answers", ""]
        lines += [f"- {a.filled().described('`')}" for a in rule.dsql]
    lines += ["", "### Evidence", ""]
    lines += [f"- {e.source} ({e.date}): {e.fact}" for e in rule.evidence]
    return "\n".join(lines) + "\n"


def _variants(variants: tuple[Worded, ...], shown: Callable[[str], str]) -> list[str]:
    """The words a finding says instead where its statement holds a variant's `when`."""
    if not variants:
        return []
    return ["", *(f"- for `{v.when}`: {shown(v.text)}" for v in variants)]


def reference(loaded: list[Rule]) -> str:
    """docs/rules.md: an index table, then every rule's docs. Generated; never edited by hand."""
    lines = [
        "# Rules",
        "",
        "<!-- Generated by `dsql-lint rules --format markdown`; tests fail when it drifts. -->",
        "",
        "| Code | Name | Severity | Fix | Scope | Lifted |",
        "|---|---|---|---|---|---|",
    ]
    for rule in loaded:
        lifted = rule.lifted.isoformat() if rule.lifted else ""
        anchor = f"{rule.code}-{rule.name}".lower()
        lines.append(
            f"| [{rule.code}](#{anchor}) | {rule.name} | {rule.severity.value} | "
            f"{rule.fix.value} | {rule.scope.value} | {lifted} |"
        )
    lines.append("")
    return "\n".join(lines) + "\n" + "\n".join(explain_text(rule) for rule in loaded)


def coverage() -> str:
    """docs/coverage.md: every PostgreSQL 18 command and DSQL's verdict. Generated."""
    from dsql_lint.lint.commands import REFUSED, UNDOCUMENTED, VERDICTS, table

    commands = list(table().values())
    counts = ", ".join(f"{sum(c.verdict == v for c in commands)} {v}" for v in VERDICTS)
    lines = [
        "# Coverage: every PostgreSQL command",
        "",
        "<!-- Generated by `dsql-lint rules --format coverage`; tests fail when it drifts. -->",
        "",
        f"The {len(commands)} SQL commands of PostgreSQL 18, with Aurora DSQL's verdict from the",
        f"project's DSQL facts ({counts}). Every statement is identified as one of them:",
        "a refused command is an error even where no rule of its own reports it (DSQL005),",
        "an undocumented one a warning (DSQL006). `COMMENT ON` an object kind DSQL cannot",
        "hold is refused as `ALTER` of that kind is. The table is",
        "`rules/commands/postgresql-18.yaml`; each example is checked by the tests.",
        "",
        "| Command | Verdict | Checked by | Example |",
        "|---|---|---|---|",
    ]
    for command in commands:
        if command.verdict == REFUSED:
            checked = command.rule or f"DSQL005: {command.why}"
            if command.unless:
                checked += f" (not with {command.unless.replace('-', ' ').upper()})"
        elif command.verdict == UNDOCUMENTED:
            checked = "DSQL006"
        else:
            checked = ", ".join(command.rules)
        example = command.example.replace("|", "\\|")
        lines.append(f"| {command.name} | {command.verdict} | {checked} | `{example}` |")
    return "\n".join(lines + _action_coverage()) + "\n"


def _action_coverage() -> list[str]:
    """The section of docs/coverage.md on the actions of the commands judged action by action."""
    from dsql_lint.lint.actions import table
    from dsql_lint.lint.commands import REFUSED, UNDOCUMENTED, VERDICTS

    lines = []
    for command, entries in table().items():
        counts = ", ".join(f"{sum(e.verdict == v for e in entries)} {v}" for v in VERDICTS)
        lines += [
            "",
            f"## {command}, action by action",
            "",
            f"Each action of PostgreSQL 18's {command} synopsis ({len(entries)}: {counts}).",
            "A statement's actions are split at the commas outside parentheses and each is",
            "judged by its leading words, at its own span: a refused action no rule reports is",
            "DSQL005, an undocumented one DSQL006. The table is",
            "`rules/commands/postgresql-18-actions.yaml`; each example is checked by the tests.",
            "",
            "| Action | Verdict | Checked by | Example |",
            "|---|---|---|---|",
        ]
        for entry in entries:
            if entry.verdict == REFUSED:
                checked = ", ".join(entry.rules) or f"DSQL005: {entry.why}"
            elif entry.verdict == UNDOCUMENTED:
                checked = ", ".join(["DSQL006", *entry.rules])
            else:
                checked = ", ".join(entry.rules)
            action = entry.action.replace("|", "\\|")
            example = entry.example.replace("|", "\\|")
            lines.append(f"| `{action}` | {entry.verdict} | {checked} | `{example}` |")
    return lines
