"""Finding a project's migrations folder: the folder of SQL files that tools put there."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

# Folders no migration lives in (dependencies, builds, tool state).
_PRUNE = {"node_modules", "venv", "target", "build", "dist", "__pycache__"}
# Names Flyway, golang-migrate, dbmate, Rails, Prisma, Supabase and others give the folder.
_MIGRATION_NAME = re.compile(r"^(migrations?|migrate|schema|sql|ddl)$", re.IGNORECASE)
MAX_DEPTH = 8


def migrations_folder(project: Path) -> Path | None:
    """The folder named like migrations (`db/migrations`, Flyway's `db/migration`...) with the
    most `.sql` files under it, else the folder with the most `.sql` files of its own; None
    when the project has no SQL file. Prisma's one folder per migration counts as one."""
    direct: Counter[Path] = Counter()
    for folder, names, files in os.walk(project):
        here = Path(folder)
        names[:] = [n for n in names if n not in _PRUNE and not n.startswith(".")]
        if len(here.relative_to(project).parts) >= MAX_DEPTH:
            names[:] = []
        count = sum(name.lower().endswith(".sql") for name in files)
        if count:
            direct[here] = count
    if not direct:
        return None
    named: Counter[Path] = Counter()
    for folder, count in direct.items():
        for above in (folder, *folder.parents):
            if above == project or project not in above.parents:
                break
            if _MIGRATION_NAME.match(above.name):
                named[above] += count
                break
    pool = named or direct
    return max(pool, key=lambda folder: (pool[folder], -len(folder.parts), str(folder)))
