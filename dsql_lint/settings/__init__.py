"""What a run is configured with, resolved once for every command (see `resolve`): the lint
options and rules (`lint`), the configuration file (`config_file`, `toml_file`) and, for the
commands that reach a cluster, the environment (`environment`)."""

from dsql_lint.settings.lint import FixJudge, LintOptions, active_rules, all_rules, select_rules
from dsql_lint.settings.resolve import Overrides, Settings, resolve_settings

__all__ = [
    "FixJudge",
    "LintOptions",
    "Overrides",
    "Settings",
    "active_rules",
    "all_rules",
    "resolve_settings",
    "select_rules",
]
