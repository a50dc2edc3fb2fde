"""Open-data exports: every file under ``output/data/``, written by one Pelican generator.

The files come from the linked corpus that the pages generator put in the context, so the
site and its data cannot disagree. They are written in one pass over the acts, streamed,
and depend on the content only: the generation time is the newest publication or
correction, never the clock, so the same content gives byte-identical files.
"""

from __future__ import annotations

import pickle
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from itertools import groupby
from pathlib import Path

from pelican.generators import Generator

from . import amounts, cache, parallel, records, scdl, timings
from . import settings as site_settings
from .catalog import DATA_PACKAGE_PROFILE, DataFile, data_package, dcat
from .link import Corpus
from .model import FORMAT_VERSION, local_naive
from .outputs import Outputs, outputs_for
from .pages import CORPUS, act_inputs
from .reader import Act
from .settings import SiteSettings
from .writers import CsvTable, JsonList, csv_line, dumps, sha256, write_json

DATA = "data"
OPEN_DATA = "OPEN_DATA"  # context key: what the about page lists
EXCERPT_LINES = 3
EXCERPT_WIDTH = 200
JSON_SCHEMA = "data/schema/deliberation.schema.json"
EXTENDED_SCHEMA = "data/schema/deliberations.tableschema.json"
AMOUNTS_SCHEMA = "data/schema/amounts.tableschema.json"
CATALOG = DataFile(
    "data/catalog.jsonld", "catalog", "Catalogue DCAT-AP (JSON-LD)",
    "Le catalogue que moissonnent les portails de données (data.gouv.fr) : un jeu de données, une "
    "distribution par fichier.", "application/ld+json", "JSON_LD",
    schema_url="https://semiceu.github.io/DCAT-AP/", schema_title="DCAT-AP", distributed=False)
SCHEMAS = [
    DataFile(JSON_SCHEMA, "schema", "JSON Schema des enregistrements",
             "Le schéma des fichiers deliberations/<numéro>.json et des actes de deliberations.json.",
             "application/schema+json", "JSON", distributed=False),
    DataFile(EXTENDED_SCHEMA, "deliberations-schema", "Table Schema de deliberations.csv",
             "Les colonnes SCDL, puis les colonnes ajoutées.", "application/json", "JSON",
             distributed=False),
    DataFile(AMOUNTS_SCHEMA, "amounts-schema", "Table Schema des montants",
             "Les colonnes de amounts.csv et amounts.json.", "application/json", "JSON",
             distributed=False),
]


class ExportsGenerator(Generator):
    """Writes ``output/data/`` and puts its description in the context (``OPEN_DATA``)."""

    def generate_context(self):
        self.site = site_settings.load(self.settings)

    def generate_output(self, writer=None):
        with timings.phase("exports"):
            reuse = Reuse(outputs_for(self.settings, self.output_path),
                          cache.build_key(self.settings, self.theme),
                          Path(self.site.BUILD_CACHE_PATH) / "exports", self.site.BUILD_JOBS)
            self.context[OPEN_DATA] = write_exports(self.context[CORPUS], self.site, Path(self.output_path),
                                                    reuse)


@dataclass
class Reuse:
    """What lets a build skip the work of the acts that did not change, and share the rest
    among the cores: where files go, the build key, the cache of each act's rows."""

    outputs: Outputs
    base: str = ""
    cache_folder: Path | None = None
    jobs: int = 1


@dataclass
class OpenData:
    """The published files, for the about page."""

    generated: date | datetime | None
    files: list[DataFile]
    acts: int  # files deliberations/<slug>.json
    act_example: str = ""  # site path of the newest act's file
    act_excerpt: str = ""
    years: list[tuple[int, list[DataFile]]] = field(default_factory=list)

    @property
    def main(self) -> list[DataFile]:
        return [f for f in self.files if f.year is None]


def write_exports(corpus: Corpus, site: SiteSettings, output: Path, reuse: Reuse | None = None) -> OpenData:
    """Write every file of ``output/data/``; return their description."""
    acts = corpus.acts
    generated = newest(acts)
    of_year: dict[int, list[int]] = defaultdict(list)  # year of session → its acts, by index
    for i, act in enumerate(acts):
        of_year[act.year].append(i)
    of_year = dict(sorted(of_year.items(), reverse=True))
    # What each yearly file says it was generated at, and the catalog that it was modified.
    latest = {year: newest([acts[i] for i in chosen]) for year, chosen in of_year.items()}
    rows = _write_tables(acts, site, output, generated, of_year, latest, reuse or Reuse(Outputs(output)))
    write_json(output / JSON_SCHEMA, records.json_schema())
    write_json(output / EXTENDED_SCHEMA, scdl.extended_table_schema())
    write_json(output / AMOUNTS_SCHEMA, amounts.table_schema())

    first = _first_online(acts)
    files = _data_files(site, rows, first, latest)
    for f in files:
        _measure(output, f)
    # The Data Package gives the size and hash of the CSV files; the catalog, of every file.
    package = DataFile("data/datapackage.json", "datapackage", "Paquet de données (Frictionless)",
                       "Décrit les fichiers CSV : colonnes, types, tailles et empreintes.",
                       "application/json", "JSON", schema_url=DATA_PACKAGE_PROFILE,
                       schema_title="Data Package", issued=first.get(None))
    write_json(output / package.path, data_package(files, site, generated))
    _measure(output, package)
    files.append(package)
    write_json(output / CATALOG.path, dcat(files, site, first.get(None), generated))
    for f in (CATALOG, *SCHEMAS):
        files.append(replace(f))
        _measure(output, files[-1])

    open_data = OpenData(generated, files, len(acts))
    if acts:
        open_data.act_example = acts[0].json_url
        open_data.act_excerpt = _excerpt(output / acts[0].json_url, lines=12)
    yearly = [f for f in files if f.year is not None]
    open_data.years = [(year, list(group)) for year, group in groupby(yearly, key=lambda f: f.year)]
    return open_data


def _write_tables(acts: list[Act], site: SiteSettings, output: Path, generated, of_year: dict[int, list[int]],
                  latest: dict, reuse: Reuse) -> dict[str, int]:
    """Write the files with a row per act or per amount, in one pass; return path → rows."""
    data = output / DATA
    header = {
        "title": f"Délibérations — {site.COLLECTIVITY.name}",
        "collectivity": {"name": site.COLLECTIVITY.name, "siren": site.COLLECTIVITY.siren,
                         "siret": site.COLLECTIVITY.siret},
        "license": {"name": site.LICENSE.name, "url": site.LICENSE.url},
        "generated": _iso(generated),
        "format_version": FORMAT_VERSION,
        "schema": records.url(site, JSON_SCHEMA),
    }
    keys, blobs = _per_act(acts, site, reuse)
    out = reuse.outputs
    rows: dict[str, int] = {}
    with ExitStack() as stack:
        enter = stack.enter_context
        all_json = enter(JsonList(data / "deliberations.json", {**header, "count": len(acts)},
                                  "deliberations"))
        all_scdl = enter(CsvTable(data / "scdl" / "deliberations.csv", scdl.COLUMNS))
        # A year's files depend on its acts alone, "generated" included: those of the years an
        # act was not added to are kept, and a portal that harvests them finds the same bytes.
        year_json: dict[int, JsonList] = {}
        year_scdl: dict[int, CsvTable] = {}
        for year, chosen in of_year.items():
            n = len(chosen)
            year_header = {**header, "generated": _iso(latest[year]), "year": year, "count": n}
            key = cache.digest(reuse.base, "year", dumps(year_header), *(keys[i] for i in chosen))
            json_path, csv_path = f"{DATA}/deliberations-{year}.json", f"{DATA}/scdl/deliberations-{year}.csv"
            if out.reuse(json_path, cache.digest(key, json_path)):
                rows[json_path] = n
            else:
                stack.callback(out.record, json_path, cache.digest(key, json_path))  # once closed
                year_json[year] = enter(JsonList(output / json_path, year_header, "deliberations"))
            if out.reuse(csv_path, cache.digest(key, csv_path)):
                rows[csv_path] = n
            else:
                stack.callback(out.record, csv_path, cache.digest(key, csv_path))
                year_scdl[year] = enter(CsvTable(output / csv_path, scdl.COLUMNS))
        extended = enter(CsvTable(data / "deliberations.csv", scdl.EXTENDED_COLUMNS, safe=True))
        amounts_json = enter(JsonList(data / "amounts.json", {
            **header, "schema": records.url(site, AMOUNTS_SCHEMA), "count": amounts.count(acts)},
            "amounts"))
        amounts_csv = enter(CsvTable(data / "amounts.csv", amounts.COLUMNS, safe=True))
        tables = [all_json, *year_json.values(), all_scdl, *year_scdl.values(), extended, amounts_json,
                  amounts_csv]
        for act, blob in zip(acts, blobs, strict=True):
            line, row, extended_row, amount_lines, amount_rows = pickle.loads(blob)  # one act at a time
            year = act.year
            all_json.add(line)
            if year in year_json:
                year_json[year].add(line)
            all_scdl.add_line(row)
            if year in year_scdl:
                year_scdl[year].add_line(row)
            extended.add_line(extended_row)
            for amount_line, amount_row in zip(amount_lines, amount_rows, strict=True):
                amounts_json.add(amount_line)
                amounts_csv.add_line(amount_row)
    return {**rows, **{t.path.relative_to(output).as_posix(): t.rows for t in tables}}


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _per_act(acts: list[Act], site: SiteSettings, reuse: Reuse) -> tuple[list[str], list[bytes]]:
    """Each act's key and lines, pickled, in order: its JSON record, its SCDL and extended CSV records,
    the JSON and CSV records of its amounts; its own file ``deliberations/<slug>.json`` written on the way.

    They depend on the act alone (and the acts it links to): kept in the build cache by a hash
    of those, and made on every core for the acts not found there.
    """
    store = cache.Store(reuse.cache_folder).load()
    out = reuse.outputs
    keys = [cache.digest(reuse.base, *act_inputs(act)) for act in acts]
    blobs = [store.get(key) for key in keys]
    todo = [i for i, (act, key, blob) in enumerate(zip(acts, keys, blobs, strict=True))
            if blob is None or not out.reuse(act.json_url, key)]

    def make(start: int, stop: int) -> list:
        done = []
        for i in todo[start:stop]:
            act = acts[i]
            record = records.record(act, site)
            row = scdl.row(act, site)
            amount_rows = list(amounts.rows(act, site))
            fragment = (dumps(record), csv_line(row, scdl.COLUMNS),
                        csv_line(scdl.extended_row(act, site, row), scdl.EXTENDED_COLUMNS, safe=True),
                        [dumps(a) for a in amount_rows],
                        [csv_line(a, amounts.COLUMNS, safe=True) for a in amount_rows])
            text = dumps(records.full_record(act, site, record), indent=True) + "\n"
            done.append((pickle.dumps(fragment, protocol=pickle.HIGHEST_PROTOCOL),
                         out.write(act.json_url, text, keys[i])))
        return done

    made = parallel.map_slices(make, len(todo), reuse.jobs)
    out.add([written for _, written in made])
    for i, (blob, _) in zip(todo, made, strict=True):
        blobs[i] = blob
    for key, blob in zip(keys, blobs, strict=True):
        store.put(key, blob)
    store.save()
    return keys, blobs


def _data_files(site: SiteSettings, rows: dict[str, int], first: dict, latest: dict) -> list[DataFile]:
    """The data files, described for the about page, the Data Package and the catalog."""
    json_schema = {"schema_url": records.url(site, JSON_SCHEMA),
                   "schema_title": "JSON Schema des enregistrements"}
    scdl_schema = {"schema_url": scdl.SCHEMA_URL, "schema_title": "SCDL « Délibérations » 2.1.5",
                   "table_schema": scdl.SCHEMA_URL}
    amounts_schema = {"schema_url": records.url(site, AMOUNTS_SCHEMA), "schema_title": "Table Schema"}
    files = [
        DataFile("data/deliberations.json", "deliberations-json", "Délibérations (JSON)",
                 "Tous les actes, du plus récent au plus ancien, avec toutes leurs informations.",
                 "application/json", "JSON", **json_schema),
        DataFile("data/deliberations.csv", "deliberations", "Délibérations (CSV étendu)",
                 "Les 17 colonnes SCDL puis celles que SCDL n'a pas : date de mise en ligne, nature, "
                 "instance, décision, montant total, actes liés…", "text/csv", "CSV",
                 schema_url=records.url(site, EXTENDED_SCHEMA), schema_title="Table Schema",
                 table_schema=EXTENDED_SCHEMA.removeprefix("data/")),
        DataFile("data/scdl/deliberations.csv", "scdl-deliberations", "Délibérations (SCDL)",
                 "Le fichier au format national SCDL « Délibérations » 2.1.5 : une ligne par acte.",
                 "text/csv", "CSV", **scdl_schema),
        DataFile("data/amounts.json", "amounts-json", "Montants (JSON)",
                 "Une ligne par montant décidé, avec le numéro, l'objet, l'instance et les dates de "
                 "l'acte.", "application/json", "JSON", **amounts_schema),
        DataFile("data/amounts.csv", "amounts", "Montants (CSV)",
                 "Les mêmes lignes que amounts.json, pour un tableur.", "text/csv", "CSV",
                 table_schema=AMOUNTS_SCHEMA.removeprefix("data/"), **amounts_schema),
    ]
    for year in latest:
        files.append(DataFile(
            f"data/deliberations-{year}.json", f"deliberations-{year}-json",
            f"Délibérations {year} (JSON)", f"Les actes des séances de {year}.", "application/json",
            "JSON", year=year, **json_schema))
        files.append(DataFile(
            f"data/scdl/deliberations-{year}.csv", f"scdl-deliberations-{year}",
            f"Délibérations {year} (SCDL)", f"Les actes des séances de {year}, au format SCDL.",
            "text/csv", "CSV", year=year, **scdl_schema))
    for f in files:
        f.rows = rows[f.path]
        f.issued = first.get(f.year)
        f.modified = latest.get(f.year)
    return files


def newest(acts: list[Act]) -> date | datetime | None:
    """Generation time: the newest publication or correction (sessions when none is known)."""
    moments = [m for act in acts for m in (act.meta.published, act.meta.modified) if m is not None]
    if not moments:
        moments = [act.meta.session for act in acts]
    return max(moments, key=local_naive, default=None)


def _first_online(acts: list[Act]) -> dict:
    """Earliest time an act went online: overall (key None) and per year of session."""
    first: dict = {}
    earliest: dict = {}  # the same moments, compared in local time
    for act in acts:
        moment = act.meta.published or act.meta.session
        local = local_naive(moment)
        for key in (None, act.year):
            if key not in first or local < earliest[key]:
                first[key], earliest[key] = moment, local
    return first


def _measure(output: Path, f: DataFile) -> None:
    path = output / f.path
    f.size = path.stat().st_size
    f.sha256 = sha256(path)
    f.example = _excerpt(path, lines=EXCERPT_LINES if f.rows is not None else 8)


def _excerpt(path: Path, lines: int) -> str:
    """The first lines of a file, each cut to a readable width."""
    with path.open(encoding="utf-8", newline="") as f:
        head = f.read(lines * 4 * EXCERPT_WIDTH)
    shown = head.splitlines()[:lines]
    return "\n".join(line if len(line) <= EXCERPT_WIDTH else line[: EXCERPT_WIDTH - 1] + "…"
                     for line in shown)
