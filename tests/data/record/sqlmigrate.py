"""Record what `manage.py sqlmigrate` prints for every migration of the Django apps in SRC,
each with the database migrated to just before it (the schema editor looks up the names of
what it drops there), into OUT/<app>_<migration>.sql without its `--` comments.

    DJANGO_PYTHON=/path/to/venv/bin/python PGPORT=5432 python sqlmigrate.py SRC OUT

Run it with a Python that has Django and psycopg (never the project's own virtualenv) and a
PostgreSQL on 127.0.0.1 that user `postgres` can create databases on; the test suite does not
need either.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

SETTINGS = """
SECRET_KEY = "x"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", {apps}]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.postgresql", "NAME": "record",
    "USER": "postgres", "HOST": "127.0.0.1", "PORT": "{port}"}}}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""


def main(source: Path, out: Path) -> None:
    project = Path(tempfile.mkdtemp())
    apps = sorted(p.name for p in source.iterdir() if (p / "migrations").is_dir())
    for app in apps:
        shutil.copytree(source / app, project / app)
        (project / app / "__init__.py").touch()
        (project / app / "migrations" / "__init__.py").touch()
    port = os.environ["PGPORT"]
    listed = ", ".join(repr(a) for a in apps)
    (project / "settings.py").write_text(SETTINGS.format(apps=listed, port=port))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "settings", "PYTHONPATH": str(project)}
    python = os.environ.get("DJANGO_PYTHON", "python")

    def django(*args: str) -> str:
        command = [python, "-m", "django", *args]
        done = subprocess.run(command, env=env, cwd=project, check=True, capture_output=True)
        return done.stdout.decode()

    drop = "import psycopg; c = psycopg.connect({!r}, autocommit=True); {}"
    dsn = f"host=127.0.0.1 port={port} dbname=postgres user=postgres"
    statements = 'c.execute("DROP DATABASE IF EXISTS record WITH (FORCE)"); '
    statements += 'c.execute("CREATE DATABASE record")'
    subprocess.run([python, "-c", drop.format(dsn, statements)], check=True)
    out.mkdir(parents=True, exist_ok=True)
    for line in django("showmigrations", "--plan").splitlines():
        app, name = line.split()[-1].split(".", 1)
        if app in apps:
            sql = django("sqlmigrate", app, name).splitlines()
            kept = [s for s in sql if s.strip() and not s.startswith("--")]
            (out / f"{app}_{name}.sql").write_text("\n".join(kept) + "\n")
        django("migrate", app, name)
    shutil.rmtree(project)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
