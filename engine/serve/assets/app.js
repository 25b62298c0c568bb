// The weavergen dashboard: plain JavaScript over the serve API, no build step and no network beyond it.
// Pages are routed in the browser (history API); server-sent events keep the registry, diagnostics and
// live-check views current as files change and telemetry arrives.
'use strict';

const API = '/api/v1';
const KINDS = ['attribute', 'metric', 'span', 'event', 'entity'];
const ID_FIELD = { attribute: 'key', metric: 'name', span: 'type', event: 'name', entity: 'type' };
const SVG = 'http://www.w3.org/2000/svg';
const state = { generation: null, diagnostics: null, live: null, route: null };

/** Build an element: el('a', {href: '/x'}, 'text', child…); text is never parsed as HTML. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

async function getJSON(path) {
  const response = await fetch(API + path);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error((body && body.error) || `HTTP ${response.status}`);
  return body;
}

function link(kind, id, text) {
  return el('a', { href: `/${kind}/${encodeURIComponent(id)}`, 'data-link': true }, text ?? id);
}

function pill(stability, deprecated) {
  return [
    stability ? el('span', { class: `pill ${stability}` }, stability) : null,
    deprecated ? el('span', { class: 'pill deprecated' }, 'deprecated') : null,
  ];
}

function typeText(type) {
  if (type && typeof type === 'object') {
    const members = type.members || [];
    return `enum {${members.map((m) => m.value ?? m.id).join(', ')}}`;
  }
  return String(type ?? '');
}

function main(...children) {
  const node = document.getElementById('main');
  node.replaceChildren(...children.flat());
  return node;
}

// --- routing ---------------------------------------------------------------------------------------

function navigate(url, replace = false) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

document.addEventListener('click', (event) => {
  const a = event.target.closest('a[data-link]');
  if (a && !event.metaKey && !event.ctrlKey && a.origin === location.origin) {
    event.preventDefault();
    navigate(a.pathname + a.search);
  }
});
window.addEventListener('popstate', () => render());

async function render() {
  const path = decodeURIComponent(location.pathname);
  const params = new URLSearchParams(location.search);
  state.route = path;
  try {
    const [, first, ...rest] = path.split('/');
    const id = rest.join('/');
    if (path === '/' || path === '') await renderStats();
    else if (first === 'search') await renderSearch(params.get('q') || '', params.get('type') || 'all');
    else if (KINDS.includes(first) && id) await renderItem(first, id);
    else if (first === 'browse' && KINDS.includes(id)) await renderSearch('', id);
    else if (first === 'namespace') await renderNamespace(id);
    else if (first === 'diagnostics') renderDiagnostics();
    else if (first === 'live') await renderLive();
    else if (first === 'runs') await renderRuns();
    else if (first === 'filter') renderFilter();
    else main(el('h1', {}, 'Not found'), el('p', {}, path));
  } catch (error) {
    main(el('h1', {}, 'Error'), el('p', { class: 'error-box', 'data-testid': 'error' }, error.message));
  }
}

// --- search ----------------------------------------------------------------------------------------

const searchInput = () => document.getElementById('search');
let searchTimer = null;

function submitSearch() {
  const q = searchInput().value.trim();
  const type = document.getElementById('search-type').value;
  const url = `/search?q=${encodeURIComponent(q)}${type !== 'all' ? `&type=${type}` : ''}`;
  navigate(url, state.route === '/search');
}

async function renderSearch(q, type) {
  if (searchInput().value !== q && document.activeElement !== searchInput()) searchInput().value = q;
  const query = new URLSearchParams({ limit: '100' });
  if (q) query.set('q', q);
  if (type && type !== 'all') query.set('type', type);
  const page = await getJSON(`/registry/search?${query}`);
  const rows = page.results.map((r) => {
    const id = r[ID_FIELD[r.result_type]];
    return el('tr', { 'data-testid': 'result' },
      el('td', {}, el('span', { class: 'pill' }, r.result_type)),
      el('td', {}, link(r.result_type, id)),
      el('td', {}, pill(r.stability, r.deprecated)),
      el('td', {}, r.score),
      el('td', {}, (r.brief || '').split('\n')[0]));
  });
  main(
    el('h1', {}, q ? `Results for “${q}”` : `All ${type === 'all' ? 'definitions' : `${type}s`}`),
    el('p', { class: 'muted', 'data-testid': 'total' }, `${page.total} match${page.total === 1 ? '' : 'es'}` +
      (page.total > page.count ? `, showing ${page.count}` : '')),
    el('table', {}, el('thead', {}, el('tr', {}, ['kind', 'id', 'stability', 'score', 'brief'].map((h) => el('th', {}, h)))),
      el('tbody', {}, rows)),
  );
}

// --- one definition --------------------------------------------------------------------------------

function attributeTable(attributes) {
  return el('table', {},
    el('thead', {}, el('tr', {}, ['attribute', 'type', 'requirement level', 'stability', 'brief'].map((h) => el('th', {}, h)))),
    el('tbody', {}, attributes.map((a) => el('tr', {},
      el('td', {}, link('attribute', a.key)),
      el('td', {}, typeText(a.type)),
      el('td', {}, typeof a.requirement_level === 'object' ? Object.keys(a.requirement_level)[0] : a.requirement_level),
      el('td', {}, pill(a.stability, a.deprecated)),
      el('td', {}, (a.brief || '').split('\n')[0])))));
}

function fields(rows) {
  return el('table', { class: 'fields' }, el('tbody', {}, rows.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v)))));
}

function where(m) {
  return `${m.file}:${m.line}:${m.column}`;
}

async function renderItem(kind, id) {
  const [item, details] = await Promise.all([
    getJSON(`/registry/${kind}/${encodeURIComponent(id)}`),
    getJSON(`/details/${kind}/${encodeURIComponent(id)}`),
  ]);
  const definition = details.mentions.find((m) => m.definition);
  const refs = details.mentions.filter((m) => !m.definition);
  const deprecated = item.deprecated ? JSON.stringify(item.deprecated) : undefined;
  const parts = [
    el('h1', {}, el('span', { class: 'kind' }, kind), el('span', { 'data-testid': 'item-id' }, id)),
    el('p', {}, pill(item.stability, item.deprecated)),
    el('p', { 'data-testid': 'brief' }, item.brief || ''),
    item.note ? el('div', { class: 'note' }, item.note) : null,
    fields([
      ['type', kind === 'attribute' ? typeText(item.type) : undefined],
      ['examples', item.examples !== undefined ? JSON.stringify(item.examples) : undefined],
      ['instrument', item.instrument], ['unit', item.unit], ['span kind', item.kind],
      ['deprecated', deprecated],
      ['defined in', definition ? el('code', { 'data-testid': 'defined-in' }, where(definition))
        : item.provenance ? el('code', { 'data-testid': 'defined-in' }, item.provenance.path || item.provenance.source) : undefined],
    ]),
  ];
  if (item.type && item.type.members) {
    parts.push(el('h2', {}, 'Members'), el('table', {}, el('tbody', {}, item.type.members.map((m) =>
      el('tr', {}, el('td', {}, el('code', {}, JSON.stringify(m.value))), el('td', {}, m.id), el('td', {}, pill(m.stability)), el('td', {}, m.brief || ''))))));
  }
  for (const [title, list] of [['Attributes', item.attributes], ['Identity', item.identity], ['Description', item.description]]) {
    if (list && list.length) parts.push(el('h2', {}, title), attributeTable(list));
  }
  if (details.used_by) {
    parts.push(el('h2', {}, `Used by (${details.used_by.length})`), el('ul', { 'data-testid': 'used-by' },
      details.used_by.map((u) => el('li', {}, el('span', { class: 'pill' }, u.kind), ' ',
        KINDS.includes(u.kind) ? link(u.kind, u.id) : u.id))));
  }
  parts.push(el('h2', {}, `References (${refs.length})`), el('ul', { 'data-testid': 'references' },
    refs.map((m) => el('li', {}, el('code', {}, where(m))))));
  main(parts);
}

// --- namespace tree --------------------------------------------------------------------------------

function treeNode(node) {
  const details = el('details', {},
    el('summary', {}, node.name, ' ', el('span', { class: 'count' }, node.total)),
    node.children.map(treeNode),
    node.attributes.map((a) => el('a', { class: 'tree-attr', href: `/attribute/${encodeURIComponent(a.key)}`, 'data-link': true, title: a.key },
      a.key.split('.').pop())));
  return details;
}

async function loadTree() {
  const root = await getJSON('/namespaces');
  const tree = document.getElementById('tree');
  const open = new Set([...tree.querySelectorAll('details[open] > summary')].map((s) => s.firstChild.textContent));
  tree.replaceChildren(...root.children.map(treeNode), ...root.attributes.map((a) =>
    el('a', { class: 'tree-attr', href: `/attribute/${encodeURIComponent(a.key)}`, 'data-link': true }, a.key)));
  for (const d of tree.querySelectorAll('details')) {
    if (open.has(d.querySelector('summary').firstChild.textContent)) d.open = true;
  }
}

async function renderNamespace(prefix) {
  navigate(`/search?q=${encodeURIComponent(prefix)}&type=attribute`, true);
}

// --- statistics ------------------------------------------------------------------------------------

function barChart(title, counts) {
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1]).slice(0, 14);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const row = 20;
  const chart = svg('svg', { width: '100%', height: String(entries.length * row + 4), viewBox: `0 0 330 ${entries.length * row + 4}`, preserveAspectRatio: 'xMinYMin meet', role: 'img' });
  entries.forEach(([label, n], i) => {
    const y = i * row + 2;
    chart.append(svg('text', { x: 0, y: y + 13, class: 'bar-label' }, label.length > 22 ? `${label.slice(0, 21)}…` : label));
    chart.append(svg('rect', { x: 130, y, width: Math.max(1, (n / max) * 160), height: row - 5, class: 'bar' }));
    chart.append(svg('text', { x: 134 + (n / max) * 160, y: y + 13, class: 'bar-label' }, n));
  });
  return el('div', { class: 'chart', 'data-testid': 'chart' }, el('h3', {}, title), entries.length ? chart : el('p', { class: 'muted' }, 'none'));
}

async function renderStats() {
  const stats = await getJSON('/registry/stats');
  const r = stats.registry;
  const cards = [['attributes', r.attributes.attribute_count], ['metrics', r.metrics.common.count], ['spans', r.spans.common.count],
    ['events', r.events.common.count], ['entities', r.entities.common.count]];
  // the review takes a moment on a large registry: the page does not wait for it
  const quality = el('p', { class: 'muted', 'data-testid': 'review-score' }, 'Quality score: reviewing…');
  getJSON('/review').then((review) => {
    quality.className = '';
    quality.textContent = `Quality score ${review.score.toFixed(1)} / 100 over ${review.definitions} definitions, `
      + `${review.findings_count} review findings (weavergen registry review)`;
  }).catch((err) => { quality.textContent = `Quality score: ${err.message}`; });
  main(
    el('h1', {}, 'Registry', el('span', { class: 'kind' }, stats.schema_url)),
    quality,
    el('div', { class: 'cards' }, cards.map(([k, n]) => el('a', { class: 'card', href: `/browse/${k.replace(/ies$/, 'y').replace(/s$/, '')}`, 'data-link': true },
      el('b', { 'data-testid': `count-${k}` }, n), k))),
    el('div', { class: 'charts' },
      barChart('Attribute types', r.attributes.attribute_type_breakdown),
      barChart('Attribute stability', r.attributes.stability_breakdown),
      barChart('Metric instruments', r.metrics.instrument_breakdown),
      barChart('Metric units', r.metrics.unit_breakdown),
      barChart('Span kinds', r.spans.span_kind_breakdown),
      barChart('Metric stability', r.metrics.common.stability_breakdown)),
  );
}

// --- diagnostics -----------------------------------------------------------------------------------

function updateDiagnosticsBadge() {
  const badge = document.getElementById('diag-badge');
  const d = state.diagnostics;
  if (!d) return;
  const errors = d.counts.Error || 0;
  badge.textContent = String(d.diagnostics.length);
  badge.className = `badge${errors ? ' error' : d.counts.Warning ? ' warn' : ''}`;
}

function renderDiagnostics() {
  const d = state.diagnostics;
  if (!d) return main(el('p', { class: 'muted' }, 'Loading…'));
  const rows = d.diagnostics.map((x) => el('tr', { 'data-testid': 'diagnostic' },
    el('td', { class: `sev-${x.severity}` }, x.severity),
    el('td', {}, el('a', { href: x.docs, target: '_blank', rel: 'noopener' }, x.code)),
    el('td', {}, x.message, x.help ? el('div', { class: 'muted' }, x.help) : null),
    el('td', {}, el('code', {}, x.file ? `${x.file}${x.range ? `:${x.range.start.line}:${x.range.start.column}` : ''}` : ''))));
  main(
    el('h1', {}, 'Diagnostics', el('span', { class: 'kind' }, `generation ${d.generation}`)),
    el('p', { class: 'muted' }, Object.entries(d.counts).map(([k, n]) => `${n} ${k}`).join(', ') || 'No problem found.'),
    el('table', {}, el('thead', {}, el('tr', {}, ['severity', 'code', 'message', 'where'].map((h) => el('th', {}, h)))), el('tbody', {}, rows)),
  );
}

// --- live check ------------------------------------------------------------------------------------

async function renderLive() {
  const live = state.live || (await getJSON('/live'));
  state.live = live;
  if (!live.enabled) {
    return main(el('h1', {}, 'Live check'), el('p', {}, 'Start the server with --live-check to check telemetry as it arrives.'));
  }
  const stats = live.statistics || {};
  const coverage = stats.registry_coverage || 0;
  const seen = Object.entries(stats.seen_registry_attributes || {});
  main(
    el('h1', {}, 'Live check', el('span', { class: 'kind' }, Object.entries(live.ports).map(([k, p]) => `${k} :${p}`).join('  '))),
    el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('b', { 'data-testid': 'coverage' }, `${(coverage * 100).toFixed(1)}%`), 'registry coverage'),
      el('div', { class: 'card' }, el('b', { 'data-testid': 'samples' }, live.samples), 'samples'),
      el('div', { class: 'card' }, el('b', {}, stats.total_advisories || 0), 'findings'),
      el('div', { class: 'card' }, el('b', {}, live.highest || '—'), 'highest level')),
    el('div', { class: 'progress' }, el('div', { style: `width:${coverage * 100}%` })),
    el('h2', {}, 'Recent findings'),
    el('table', {}, el('tbody', {}, live.findings.slice().reverse().map((f) => el('tr', {},
      el('td', { class: `sev-${f.level}` }, f.level), el('td', {}, f.id), el('td', {}, f.sample, ' ', f.name), el('td', {}, f.message))))),
    el('h2', {}, `Registry attributes seen (${seen.filter(([, n]) => n).length} of ${seen.length})`),
    el('ul', {}, seen.filter(([, n]) => n).map(([k, n]) => el('li', {}, link('attribute', k), ` × ${n}`))),
  );
}

function updateLiveBadge() {
  const live = state.live;
  const badge = document.getElementById('live-badge');
  badge.textContent = live && live.enabled && live.statistics ? `${Math.round(live.statistics.registry_coverage * 100)}%` : '';
}

// --- workflow runs ---------------------------------------------------------------------------------

function gantt(run) {
  const spans = run.spans;
  const total = Math.max(1, ...spans.map((s) => s.offset_ms + s.duration_ms));
  const row = 18;
  const label = 220;
  const width = 760;
  const chart = svg('svg', { class: 'gantt', width: '100%', viewBox: `0 0 ${width} ${spans.length * row + 20}`, role: 'img' });
  spans.forEach((s, i) => {
    const y = i * row;
    const name = s.attributes['weavergen.workflow.task.name'] || s.attributes['weavergen.workflow.service.operation'] || s.name;
    chart.append(svg('text', { x: 0, y: y + 12 }, String(name).slice(0, 34)));
    const x = label + (s.offset_ms / total) * (width - label - 60);
    const w = Math.max(1, (s.duration_ms / total) * (width - label - 60));
    chart.append(svg('rect', { x, y: y + 2, width: w, height: row - 5, class: `span-bar ${s.status}` }, svg('title', {}, `${name}: ${s.duration_ms.toFixed(1)} ms`)));
    chart.append(svg('text', { x: x + w + 3, y: y + 12 }, `${s.duration_ms.toFixed(1)} ms`));
  });
  return chart;
}

async function renderRuns() {
  const { runs } = await getJSON('/runs');
  main(el('h1', {}, 'Workflow runs'),
    runs.length ? null : el('p', { class: 'muted' }, 'No run of this registry yet: run a workflow (weavergen registry check …).'),
    runs.map((run) => el('section', { class: 'chart', 'data-testid': 'run' },
      el('h3', {}, `${run.process} — ${run.failed ? 'failed' : 'succeeded'}`),
      el('p', { class: 'muted' }, `${run.spans.length} spans, ${Math.round(run.duration_ms || 0)} ms`), gantt(run))));
}

// --- jq filter -------------------------------------------------------------------------------------

function renderFilter() {
  const input = el('textarea', { rows: 4, cols: 80, 'aria-label': 'jq filter' }, '.registry.attributes | length');
  const out = el('pre', { 'data-testid': 'filter-output' });
  const run = async () => {
    const response = await fetch(`${API}/registry/filter?filter=${encodeURIComponent(input.value)}`);
    const body = await response.json();
    out.className = response.ok ? '' : 'error-box';
    out.textContent = response.ok ? JSON.stringify(body, null, 2)
      : `${body.error}\n${(body.details || []).map((d) => d.source ? `line ${d.source.start.line}, column ${d.source.start.col}: ${d.error}` : d.error).join('\n')}`;
  };
  main(el('h1', {}, 'jq filter'), el('p', { class: 'muted' }, 'Runs over the v2 materialized registry (weaver\'s semconv_* helpers included).'),
    input, el('p', {}, el('button', { onclick: run }, 'Run')), out);
}

// --- live updates ----------------------------------------------------------------------------------

function connect() {
  const events = new EventSource(`${API}/events`);
  events.addEventListener('registry', (e) => {
    const summary = JSON.parse(e.data);
    const changed = state.generation !== null && summary.generation !== state.generation;
    state.generation = summary.generation;
    document.getElementById('status').textContent = `generation ${summary.generation}`;
    document.getElementById('status').dataset.generation = String(summary.generation);
    if (changed) {
      loadTree();
      if (!['/diagnostics', '/live', '/filter'].includes(state.route)) render();
    }
  });
  events.addEventListener('diagnostics', (e) => {
    state.diagnostics = JSON.parse(e.data);
    updateDiagnosticsBadge();
    if (state.route === '/diagnostics') renderDiagnostics();
  });
  events.addEventListener('live', (e) => {
    state.live = JSON.parse(e.data);
    updateLiveBadge();
    if (state.route === '/live') renderLive();
  });
  events.onerror = () => { document.getElementById('status').textContent = 'reconnecting…'; };
}

document.getElementById('search-form').addEventListener('submit', (e) => { e.preventDefault(); submitSearch(); });
searchInput().addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(submitSearch, 150); });
document.getElementById('search-type').addEventListener('change', submitSearch);
loadTree();
connect();
render();
