"""What `supabase/config.toml` says of how the Supabase CLI finds and runs a project's SQL.

Recorded with the CLI 3.1.0 binary (npm @supabase/cli-linux-x64, `db push --include-seed`
against PostgreSQL, tests/data/supabase_3.1.0_db_push_seed.log), and its config template's
comments:
- `[db.seed]`: `enabled` (default true) and `sql_paths` (default `["./seed.sql"]`), globs
  relative to the supabase/ folder, run in that order after the migrations (`db reset`, and
  `db push --include-seed`): each file in one transaction with its row in
  `supabase_migrations.seed_files`.
- `[db.migrations]`: `enabled = false` makes `db push` and `db reset` skip the migrations
  ("Skipping migrations because it is disabled in config.toml"). Its `schema_paths`
  (declarative schemas) are `db diff`'s input: `db push` does not run them.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from pathlib import Path

from dsql_lint.syntax.config_reads import config_text, looked_for

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib

CONFIG = "config.toml"
DEFAULT_SEEDS = ("./seed.sql",)


@dataclass(frozen=True)
class Project:
    folder: Path  # supabase/, resolved
    migrations: bool  # `[db.migrations] enabled`
    seeds: tuple[Path, ...]  # the seed files the CLI runs, in its order, resolved
    seeding: bool  # `[db.seed] enabled`


def project_of(path: Path) -> Project | None:
    """The Supabase project a file or folder is in (its nearest supabase/ folder with a
    config.toml), as the configuration sets it."""
    resolved = path.resolve()
    for folder in (resolved, *resolved.parents):
        if folder.name == "supabase":
            config = folder / CONFIG
            if not looked_for(config):
                return None
            try:
                stat = config.stat()
            except OSError:
                return None
            return _read(folder, stat.st_mtime_ns, stat.st_size)
    return None


def is_seed(path: Path) -> bool:
    """A seed file the CLI runs (path resolved or not)."""
    if "supabase" not in path.resolve().parts:
        return False
    project = project_of(path.parent)
    return project is not None and project.seeding and path.resolve() in project.seeds


@functools.lru_cache(maxsize=16)
def _read(folder: Path, mtime: int, size: int) -> Project | None:
    """(`mtime`, `size`: the cache's key, so that an edited configuration is read again.)"""
    try:
        data = tomllib.loads(config_text(folder / CONFIG))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    db = data.get("db") if isinstance(data.get("db"), dict) else {}
    migrations = db.get("migrations") if isinstance(db.get("migrations"), dict) else {}
    seed = db.get("seed") if isinstance(db.get("seed"), dict) else {}
    patterns = seed.get("sql_paths", list(DEFAULT_SEEDS))
    if not isinstance(patterns, list):
        patterns = []
    seeds: list[Path] = []
    for pattern in patterns:
        if not isinstance(pattern, str) or Path(pattern).is_absolute():
            continue
        for found in sorted(folder.glob(pattern.removeprefix("./"))):
            if found.is_file() and found.resolve() not in seeds:
                seeds.append(found.resolve())
    return Project(
        folder,
        migrations.get("enabled", True) is not False,
        tuple(seeds),
        seed.get("enabled", True) is not False,
    )


def seeds_last(paths: list[Path]) -> list[Path]:
    """`paths` in the order the CLI runs them: a project's seed files after its migrations,
    in `sql_paths`' order (a folder's walk would put supabase/seeds/ before migrations/)."""
    if not any("supabase" in path.parts for path in paths):
        return paths
    order: dict[Path, int] = {}
    for path in paths:
        if "supabase" in path.parts and path.resolve() not in order:
            project = project_of(path.parent)
            for at, seed in enumerate(project.seeds if project else ()):
                order.setdefault(seed, at)
    if not order:
        return paths
    rest = [p for p in paths if p.resolve() not in order]
    seeds = [p for p in paths if p.resolve() in order]
    return rest + sorted(seeds, key=lambda p: order[p.resolve()])
