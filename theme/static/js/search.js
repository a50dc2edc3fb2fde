// The search page (recherche/): Pagefind in the browser, no server.
//
// The index is split into lots of consecutive session months (see plugins/deliberations/search.py
// and pagefind/lots.json). Pagefind merges them (mergeIndex) and tags each lot's pages with a
// « lot » filter. Pagefind ranks merged results by relevance only, so the sorts are put
// together here: by date, lots are read newest first; by amount, the lots are merged by amount.
// The query, filters and sort live in the URL: a search can be shared, bookmarked, reloaded.

const PAGE_SIZE = 20;
const FACETS = ["instance", "matiere", "annee", "nature", "decision", "montant"];
const DEFAULT_SORT = "date";
const SORTS = { date: { date: "desc" }, montant: { montant: "desc" }, pertinence: {} };
const DEBOUNCE_MS = 300;

const form = document.getElementById("recherche");
const config = { siteurl: form.dataset.siteurl, lots: form.dataset.lots, feeds: JSON.parse(form.dataset.feeds) };
const input = document.getElementById("q");
const sortSelect = document.getElementById("tri");
const section = document.getElementById("resultats");
const statusLine = document.getElementById("statut");
const feedLine = document.getElementById("suivre");
const list = document.getElementById("liste");
const more = document.getElementById("plus");

// -- state <-> URL <-> form ------------------------------------------------------------------

function stateFromUrl() {
  const params = new URLSearchParams(location.search);
  const filters = {};
  for (const facet of FACETS) filters[facet] = params.getAll(facet).filter(Boolean);
  const sort = params.get("tri");
  return { q: params.get("q") || "", filters, sort: sort in SORTS ? sort : DEFAULT_SORT };
}

function stateFromForm() {
  const filters = {};
  for (const facet of FACETS) {
    filters[facet] = [...form.querySelectorAll(`input[name="${facet}"]:checked`)].map((i) => i.value);
  }
  return { q: input.value.trim(), filters, sort: sortSelect.value };
}

function showState(state) {
  input.value = state.q;
  sortSelect.value = state.sort;
  for (const box of form.querySelectorAll("input[type=checkbox]")) {
    box.checked = (state.filters[box.name] || []).includes(box.value);
  }
  for (const details of form.querySelectorAll("details[data-facet]")) {
    if ((state.filters[details.dataset.facet] || []).length) details.open = true;
  }
}

function urlOf(state) {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  for (const facet of FACETS) for (const value of state.filters[facet]) params.append(facet, value);
  if (state.sort !== DEFAULT_SORT) params.set("tri", state.sort);
  const query = params.toString();
  return location.pathname + (query ? `?${query}` : "");
}

// -- the index -------------------------------------------------------------------------------

class Index {
  async open() {
    const response = await fetch(config.lots, { cache: "no-cache" });
    if (!response.ok) throw new Error(`${config.lots}: HTTP ${response.status}`);
    this.lots = (await response.json()).lots; // newest first
    if (!this.lots.length) return false;
    const root = `${config.siteurl}/pagefind/`;
    const baseUrl = new URL(`${config.siteurl}/`, location.href).pathname;
    const [primary, ...others] = this.lots;
    this.pagefind = await import(`${root}${primary.path}pagefind.js`);
    const optionsOf = (lot) => ({ baseUrl, mergeFilter: { lot: lot.id }, metaCacheTag: lot.key });
    await this.pagefind.options({ basePath: `${root}${primary.path}`, excerptLength: 28, ...optionsOf(primary) });
    await Promise.all(others.map((lot) => this.pagefind.mergeIndex(`${root}${lot.path}`, optionsOf(lot))));
    return true;
  }

  // The counts of the facets need every lot's filter data, as large as the text index's
  // metadata: it is loaded once a reader opens a facet or arrives with filters, not before.
  async loadCounts() {
    if (!this.counted) this.counted = this.pagefind.filters();
    await this.counted;
    this.countsReady = true;
  }

  // Results matching the state, in its order, as an async iterator of Pagefind results, with
  // the total and the counts of each facet value.
  async search(state) {
    const term = state.q || null;
    const filters = pagefindFilters(state.filters);
    const sortName = term === null && state.sort === "pertinence" ? DEFAULT_SORT : state.sort;
    const sort = SORTS[sortName];
    const found = await this.pagefind.search(term, { filters, sort });
    const counts = this.countsReady ? await this.counts(state, found) : null;
    let results;
    if (sortName === "pertinence") results = listIterator(found.results);
    else if (sortName === "date") results = this.byLot(term, filters, sort);
    else results = this.mergedBy("cents", term, filters, sort);
    return { total: found.results.length, counts, results, filterOnly: term === null };
  }

  // A facet's own choices are left out of its counts: each count is what ticking that box
  // alone would give, the other facets being as they are.
  async counts(state, found = null) {
    const term = state.q || null;
    found = found || (await this.pagefind.search(term, { filters: pagefindFilters(state.filters) }));
    const counts = {};
    for (const facet of FACETS) {
      counts[facet] = state.filters[facet].length
        ? (await this.pagefind.search(term, { filters: pagefindFilters(state.filters, facet) })).filters[facet]
        : found.filters[facet];
    }
    return counts;
  }

  async lotResults(lot, term, filters, sort) {
    const found = await this.pagefind.search(term, { filters: { ...filters, lot: lot.id }, sort });
    return found.results;
  }

  // Lots hold consecutive months, newest first: their results one after the other are in date order.
  async *byLot(term, filters, sort) {
    for (const lot of this.lots) yield* await this.lotResults(lot, term, filters, sort);
  }

  // Each lot's results are in order; merge them on the meta value `key`, largest first.
  async *mergedBy(key, term, filters, sort) {
    const heads = [];
    for (const lot of this.lots) {
      const results = await this.lotResults(lot, term, filters, sort);
      if (results.length) heads.push(await head({ results, at: 0 }, key));
    }
    while (heads.length) {
      heads.sort((a, b) => (a.value < b.value ? 1 : a.value > b.value ? -1 : 0));
      const first = heads[0];
      yield first.result;
      first.at += 1;
      if (first.at < first.results.length) await head(first, key);
      else heads.shift();
    }
  }
}

async function head(cursor, key) {
  cursor.result = cursor.results[cursor.at];
  cursor.value = (await cursor.result.data()).meta[key] || "";
  return cursor;
}

async function* listIterator(items) {
  yield* items;
}

function pagefindFilters(chosen, except = null) {
  const filters = {};
  for (const facet of FACETS) {
    if (facet !== except && chosen[facet].length) filters[facet] = { any: chosen[facet] };
  }
  return filters;
}

// -- showing results -------------------------------------------------------------------------

function plural(n, one, many) {
  return `${n.toLocaleString("fr-FR")} ${n > 1 ? many : one}`;
}

function statusText(state, total) {
  const filtered = FACETS.some((f) => state.filters[f].length);
  const what = state.q ? ` pour « ${state.q} »` : "";
  const how = filtered ? " avec les filtres choisis" : "";
  if (!total) return `Aucune délibération trouvée${what}${how}.`;
  return `${plural(total, "délibération trouvée", "délibérations trouvées")}${what}${how}.`;
}

// Pagefind's excerpt is text with <mark> around the words found: rebuilt node by node.
function excerptNodes(excerpt) {
  const parsed = new DOMParser().parseFromString(excerpt, "text/html").body;
  return [...parsed.childNodes].map((node) => {
    if (node.nodeName !== "MARK") return document.createTextNode(node.textContent);
    const mark = document.createElement("mark");
    mark.textContent = node.textContent;
    return mark;
  });
}

function resultItem(data, filterOnly) {
  const meta = data.meta;
  const item = document.createElement("li");
  item.className = "result";
  const title = document.createElement("h3");
  const link = document.createElement("a");
  link.href = data.url;
  const number = document.createElement("span");
  number.className = "act-number";
  number.textContent = meta.numero || "";
  link.append(number, ` ${meta.title || ""}`);
  title.append(link);
  const facts = document.createElement("p");
  facts.className = "act-facts";
  facts.textContent = [meta.instance, meta.seance && `séance du ${meta.seance}`, meta.montant]
    .filter(Boolean).join(" · ");
  item.append(title, facts);
  if (!filterOnly && data.excerpt) {
    const excerpt = document.createElement("p");
    excerpt.className = "excerpt";
    excerpt.append(...excerptNodes(data.excerpt));
    item.append(excerpt);
  }
  return item;
}

function showCounts(counts) {
  for (const box of form.querySelectorAll("input[type=checkbox]")) {
    const n = counts ? (counts[box.name] || {})[box.value] || 0 : null;
    const label = form.querySelector(`label[for="${box.id}"]`);
    label.querySelector("[data-count]").textContent = counts ? `(${n.toLocaleString("fr-FR")})` : "";
    label.classList.toggle("empty", n === 0);
  }
  for (const details of form.querySelectorAll("details[data-facet]")) {
    const n = details.querySelectorAll("input:checked").length;
    details.querySelector("[data-chosen]").textContent = n ? ` (${plural(n, "choix", "choix")})` : "";
  }
}

// The Atom feed that publishes exactly this search, if there is one (no words, one filter).
function feedFor(state) {
  if (state.q) return null;
  const used = FACETS.filter((f) => state.filters[f].length);
  if (!used.length) return config.feeds.all;
  if (used.length > 1) return null;
  const [facet] = used;
  const values = state.filters[facet];
  if ((facet === "instance" || facet === "matiere") && values.length === 1) {
    return config.feeds[facet][values[0]] || null;
  }
  if (facet === "montant") {
    const wanted = [...values].sort().join(" ");
    const feed = config.feeds.montant.find((f) => [...f.montant].sort().join(" ") === wanted);
    return feed ? feed.url : null;
  }
  return null;
}

// -- the page --------------------------------------------------------------------------------

const index = new Index();
let current = 0; // number of the latest search: older ones stop when a newer one starts
let pending = null; // iterator of the results not shown yet

async function run(state, { push = false } = {}) {
  const url = urlOf(state);
  if (url !== location.pathname + location.search) history[push ? "pushState" : "replaceState"](null, "", url);
  const mine = ++current;
  section.setAttribute("aria-busy", "true");
  const found = await index.search(state);
  if (mine !== current) return;
  showCounts(found.counts);
  const feed = feedFor(state);
  feedLine.hidden = !feed;
  if (feed) feedLine.querySelector("a").href = `${config.siteurl}/${feed}`;
  list.replaceChildren();
  pending = { results: found.results, filterOnly: found.filterOnly, left: found.total };
  await showMore(mine, false);
  if (mine !== current) return;
  statusLine.textContent = statusText(state, found.total);
  section.removeAttribute("aria-busy");
}

async function showMore(mine, focus) {
  const items = [];
  while (items.length < PAGE_SIZE && pending.left > 0) {
    const next = await pending.results.next();
    if (next.done) break;
    pending.left -= 1;
    items.push(resultItem(await next.value.data(), pending.filterOnly));
    if (mine !== current) return;
  }
  list.append(...items);
  more.hidden = pending.left <= 0;
  if (focus && items.length) items[0].querySelector("a").focus();
}

function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

async function start() {
  form.hidden = false;
  section.hidden = false;
  const state = stateFromUrl();
  showState(state);
  try {
    if (!(await index.open())) {
      statusLine.textContent = "Aucun acte n'est encore publié.";
      return;
    }
  } catch (error) {
    statusLine.textContent = "La recherche est indisponible pour le moment ; les listes d'actes restent consultables.";
    throw error;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run(stateFromForm(), { push: true });
  });
  input.addEventListener("input", debounce(() => run(stateFromForm()), DEBOUNCE_MS));
  form.addEventListener("change", (event) => {
    if (event.target !== input) run(stateFromForm());
  });
  form.addEventListener("reset", () => setTimeout(() => run(stateFromForm()), 0));
  more.addEventListener("click", () => showMore(current, true));
  for (const details of form.querySelectorAll("details[data-facet]")) {
    details.addEventListener("toggle", async () => {
      if (!details.open || index.countsReady) return;
      await index.loadCounts();
      const mine = current;
      const counts = await index.counts(stateFromForm());
      if (mine === current) showCounts(counts);
    });
  }
  window.addEventListener("popstate", () => {
    const restored = stateFromUrl();
    showState(restored);
    run(restored);
  });
  if (FACETS.some((f) => state.filters[f].length)) await index.loadCounts();
  await run(state);
}

start();
