"""The ``deliberations`` command: build, check, demo (and more as capabilities grow)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import ContentError
from .search import SearchIndexError
from .settings import SettingsError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deliberations", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="build the site into output/ (the previous site is kept "
                            "if anything fails)")
    p.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"))
    p.add_argument("--output", "-o", type=Path, default=None)
    p.set_defaults(run=_build)

    p = commands.add_parser("check", help="validate the content without building")
    p.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"))
    p.set_defaults(run=_check)

    p = commands.add_parser("demo", help="write N synthetic acts of a fictional collectivity")
    p.add_argument("--count", "-n", type=int, default=100)
    p.add_argument("--into", type=Path, required=True, help="folder of the demo site to create")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=_demo)

    p = commands.add_parser("schema", help="print the JSON Schema of the front matter")
    p.set_defaults(run=_schema)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (ContentError, SettingsError, SearchIndexError) as e:
        print(e, file=sys.stderr)
        print("Nothing was published: the previous site is unchanged.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: the previous site is unchanged.", file=sys.stderr)
        return 130
    except UsageError as e:
        print(f"deliberations: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 - the webmaster gets a sentence, not a traceback
        if args.debug:
            raise
        print(f"deliberations: internal error: {type(e).__name__}: {e}\n"
              "Nothing was published: the previous site is unchanged. "
              "Run again with --debug for the details.", file=sys.stderr)
        return 3


class UsageError(Exception):
    pass


def _settings_file(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"settings file {path} not found (run from the site's folder or pass --settings)")
    return path


def _build(args) -> int:
    from .build import build

    result = build(_settings_file(args.settings), args.output)
    for w in result.warnings:
        print(w, file=sys.stderr)
    if result.search:
        s = result.search
        print(f"Search index: {s.pages} acts in {s.lots} lots ({s.lots_indexed} indexed, "
              f"the others unchanged) in {s.seconds:.1f} s")
    print(f"Site written to {result.output}")
    return 0


def _check(args) -> int:
    from . import settings as site_settings
    from .build import read_site_settings
    from .pipeline import load_corpus

    pelican_settings = read_site_settings(_settings_file(args.settings))
    site = site_settings.load(pelican_settings, source=args.settings.name)
    corpus, problems = load_corpus(Path(pelican_settings["PATH"]), site,
                                   shown_relative_to=args.settings.resolve().parent)
    for w in problems.warnings:
        print(w, file=sys.stderr)
    print(f"{len(corpus.acts)} acts checked, no errors"
          f"{f', {len(problems.warnings)} warnings' if problems.warnings else ''}.")
    return 0


def _demo(args) -> int:
    from .demo import write_demo_site

    if args.count < 1:
        raise UsageError("--count must be at least 1")
    site = write_demo_site(args.into, args.count, seed=args.seed)
    print(f"{args.count} synthetic acts written to {site / 'content'}; "
          f"build them with: deliberations build --settings {site / 'pelicanconf.py'}")
    return 0


def _schema(args) -> int:
    import json

    from .model import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
