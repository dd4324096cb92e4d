"""How to install the dsql-lint that runs: in the CI workflow `init` writes, and with an extra
(`apply --local`'s message), from where this copy came, as its installer recorded it (PEP
610's `direct_url.json` in the distribution's metadata).

A copy from a git repository is pinned to its commit and one from an archive URL to the
archive (with its hash); a copy from a local folder, editable or not, cannot be installed by
CI, so the README's form is written with a note to edit it. The package is not on PyPI: a
version pin would install nothing today, and whoever registers the name later would run their
code in the project's CI. Only a copy installed from an index (no direct_url.json) is pinned
by version, since that index has it.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

DISTRIBUTION = "dsql-lint-py"
README_FORM = f"{DISTRIBUTION} @ git+https://github.com/OWNER/dsql-lint"


@dataclass(frozen=True)
class Install:
    requirement: str  # a pip requirement (PEP 508), without extras
    # Why CI cannot install this copy the way it was installed, else "".
    unreachable: str = ""
    folder: str = ""  # the local folder this copy was installed from, if it was
    editable: bool = False

    def with_extras(self, extras: str) -> str:
        """The requirement with `[extras]` after the name ("" for none)."""
        if not extras:
            return self.requirement
        return self.requirement.replace(DISTRIBUTION, f"{DISTRIBUTION}[{extras}]", 1)

    def command(self, extras: str) -> str:
        """What the user runs to install this copy again with `extras`: from its folder when
        it came from one, else from where it came."""
        if self.folder:
            editable = "-e " if self.editable else ""
            return f"pip install {editable}{shlex.quote(f'{self.folder}[{extras}]')}"
        return f"pip install {shlex.quote(self.with_extras(extras))}"


def this_install() -> Install:
    try:
        distribution = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        checkout = str(Path(__file__).resolve().parents[2])
        return Install(
            README_FORM, "this dsql-lint runs from source, not installed", checkout, True
        )
    recorded = distribution.read_text("direct_url.json")
    if recorded is None:
        return Install(f"{DISTRIBUTION}=={distribution.version}")
    try:
        direct = json.loads(recorded)
        url = str(direct["url"])
    except (ValueError, KeyError, TypeError):
        return Install(README_FORM, "its installer's record (direct_url.json) is unreadable")
    return from_direct_url(direct, url)


def from_direct_url(direct: dict[str, object], url: str) -> Install:
    """The requirement for a PEP 610 record `direct` whose `url` is `url`."""
    local = urlsplit(url).scheme == "file"
    vcs, archive = direct.get("vcs_info"), direct.get("archive_info")
    subdirectory = direct.get("subdirectory")
    fragment = f"#subdirectory={subdirectory}" if isinstance(subdirectory, str) else ""
    if isinstance(vcs, dict) and not local:
        commit = vcs.get("commit_id")
        at = f"@{commit}" if isinstance(commit, str) else ""
        return Install(f"{DISTRIBUTION} @ {vcs.get('vcs', 'git')}+{_public(url)}{at}{fragment}")
    if isinstance(archive, dict) and not local:
        digest = _hash(archive)
        if digest and not fragment:
            fragment = f"#{digest}"
        return Install(f"{DISTRIBUTION} @ {_public(url)}{fragment}")
    folder = direct.get("dir_info")
    if folder is not None or local:
        editable = isinstance(folder, dict) and folder.get("editable") is True
        how = "an editable install of a local folder" if editable else "a local folder"
        where = unquote(urlsplit(url).path) if local else ""
        return Install(README_FORM, f"this dsql-lint was installed from {how}", where, editable)
    return Install(README_FORM, "its installer recorded no source CI can reach")


def _hash(archive: dict[str, object]) -> str:
    """`sha256=...`: the archive's hash as pip checks it in a URL fragment."""
    hashes = archive.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return f"sha256={hashes['sha256']}"
    single = archive.get("hash")
    return single if isinstance(single, str) and "=" in single else ""


def _public(url: str) -> str:
    """The URL without a user's credentials (PEP 610 asks installers to leave them out;
    `git@` of an SSH URL is no secret)."""
    parts = urlsplit(url)
    if parts.username is None or (parts.username == "git" and parts.password is None):
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
