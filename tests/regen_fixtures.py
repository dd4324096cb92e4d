"""Rewrite every pinned output of the rule fixtures (see tests/pinned_outputs.py).

    python tests/regen_fixtures.py [CODE ...]

Run it after changing a rule, a fixer or the text report, or after merging a branch that does,
then read `git diff fixtures/rules` as a user would: every changed column, caret, message and
fix is a change in what users see.
"""

from __future__ import annotations

import argparse

from pinned_outputs import failing_fixtures, pinned_outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("codes", nargs="*", help="Only these rules' fixtures (default: all).")
    codes = set(parser.parse_args().codes)
    written = removed = 0
    for fixture in failing_fixtures():
        if codes and fixture.rule.code not in codes:
            continue
        for suffix, text in pinned_outputs(fixture).items():
            path = fixture.pinned(suffix)
            if text is None:
                if path.exists():
                    path.unlink()
                    removed += 1
            elif not path.exists() or path.read_bytes() != text:
                path.write_bytes(text)
                written += 1
    print(f"{written} pinned files written, {removed} removed")


if __name__ == "__main__":
    main()
