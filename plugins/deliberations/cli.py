"""The ``deliberations`` command: build, check, import, demo (and more as capabilities grow)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from . import timings
from .problems import ContentError, PublishError
from .search import SearchIndexError
from .settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deliberations", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("build", help="build the site into output/ (the previous site is kept "
                            "if anything fails)")
    p.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"))
    p.add_argument("--output", "-o", type=Path, default=None)
    p.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="processes that read and render (default: BUILD_JOBS, one per core)")
    p.add_argument("--timings", action="store_true", help="print how long each phase took")
    p.set_defaults(run=_build)

    p = commands.add_parser("check", help="validate the content without building")
    p.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"))
    p.set_defaults(run=_check)

    p = commands.add_parser("verify", help="check a built site against its content (every build "
                            "does it before publishing)")
    p.add_argument("output", type=Path, nargs="?", default=Path("output"))
    p.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"),
                   help="the settings the site was built with")
    p.set_defaults(run=_verify)

    p = commands.add_parser("demo", help="write N synthetic acts of a fictional collectivity")
    p.add_argument("--count", "-n", type=int, default=100)
    p.add_argument("--into", type=Path, required=True, help="folder of the demo site to create")
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(run=_demo)

    _add_import(commands)

    p = commands.add_parser("schema", help="print the JSON Schema of the front matter")
    p.set_defaults(run=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ContentError, SettingsError, PublishError, SearchIndexError) as e:
        print(e, file=sys.stderr)
        if args.command == "build":
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


def console() -> None:
    """The installed command: :func:`main`, then a quick exit.

    A build leaves a graph of a million objects that Python would free one by one before
    exiting (half a second for 10 000 acts); the process ends without that, once every
    message is written.
    """
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class UsageError(Exception):
    pass


def _settings_file(path: Path) -> Path:
    if not path.is_file():
        raise UsageError(f"settings file {path} not found (run from the site's folder or pass --settings)")
    return path


def _build(args) -> int:
    from .build import build

    if args.jobs is not None and args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    start = timings.process_age()  # Python and the imports, before the build begins
    result = build(_settings_file(args.settings), args.output, jobs=args.jobs)
    for w in result.warnings:
        print(w, file=sys.stderr)
    if args.timings:
        if result.search:
            print(f"search index: {result.search.pages} acts, {result.search.bytes} bytes, "
                  f"{result.search.lots_indexed} of {result.search.lots} lots indexed "
                  f"({result.search.pages_indexed} acts, Pagefind {result.search.cpu_seconds:.2f} s CPU), "
                  f"Pagefind peak RSS {result.search.peak_rss} bytes", file=sys.stderr)
        print(timings.line(result.timings, start, timings.process_age()), file=sys.stderr)
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
    warnings = problems.warnings
    for w in warnings:
        print(w, file=sys.stderr)
    n = len(corpus.acts)
    print(f"{n} act{'s' if n > 1 else ''} checked, no errors"
          f"{f', {len(warnings)} warning' if warnings else ''}{'s' if len(warnings) > 1 else ''}.")
    return 0


def _verify(args) -> int:
    from . import settings as site_settings
    from .build import read_site_settings
    from .pipeline import load_corpus
    from .verify import verify

    if not (args.output / "index.html").is_file():
        raise UsageError(f"{args.output} holds no built site (no index.html)")
    pelican_settings = read_site_settings(_settings_file(args.settings))
    site = site_settings.load(pelican_settings, source=args.settings.name)
    corpus, _ = load_corpus(Path(pelican_settings["PATH"]), site,
                            shown_relative_to=args.settings.resolve().parent)
    machine = [str(args.settings.resolve().parent), str(args.output.resolve())]
    for w in verify(args.output.resolve(), corpus, site, machine, jobs=site.BUILD_JOBS):
        print(w, file=sys.stderr)
    print(f"{args.output}: {len(corpus.acts)} acts and {len(corpus.sittings)} sittings checked, "
          "the site matches its content.")
    return 0


def _demo(args) -> int:
    from .demo import RefusedFolder, write_demo_site

    if args.count < 1:
        raise UsageError("--count must be at least 1")
    try:
        site = write_demo_site(args.into, args.count, seed=args.seed)
    except RefusedFolder as e:
        raise UsageError(f"refusing to write synthetic acts there: {e}") from None
    print(f"{args.count} synthetic acts written to {site / 'content'}; "
          f"build them with: deliberations build --settings {site / 'pelicanconf.py'}")
    return 0


def _add_import(commands) -> None:
    from .importers import KINDS

    p = commands.add_parser("import", help="turn stamped acts (text, PDF) or an SCDL CSV into content files")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", type=Path, metavar="FILE")
    common.add_argument("--settings", "-s", type=Path, default=Path("pelicanconf.py"))
    common.add_argument("--into", type=Path, default=None,
                        help="folder of the acts (default: content/deliberations, from the settings)")
    common.add_argument("--dry-run", action="store_true", help="print what would be written; write nothing")
    common.add_argument("--body", metavar="KEY", help="the body (a key of BODIES) of every act imported")
    common.add_argument("--force", action="store_true", help="overwrite acts (and documents) that exist")
    for kind, description in KINDS.items():
        kinds.add_parser(kind, parents=[common], help=description, description=description)
    p.set_defaults(run=_import)


def _import(args) -> int:
    from . import settings as site_settings
    from .build import read_site_settings
    from .importers.batch import Importer

    pelican_settings = read_site_settings(_settings_file(args.settings))
    site = site_settings.load(pelican_settings, source=args.settings.name)
    if args.body is not None and args.body not in site.BODIES:
        raise UsageError(f"--body {args.body}: not a body of this site; expected one of: "
                         f"{', '.join(site.BODIES)} (BODIES in {args.settings.name})")
    content = Path(pelican_settings["PATH"])
    importer = Importer(site, args.into or content / site.DELIBERATIONS_PATH,
                        content / site.DOCUMENTS_PATH, body=args.body, force=args.force,
                        dry_run=args.dry_run, out=sys.stdout, debug=args.debug)
    report = importer.run(args.kind, args.files, progress=_console())
    for line in report.lines():
        print(line, file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _schema(args) -> int:
    import json

    from .model import json_schema

    print(json.dumps(json_schema(), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
