'use strict';
// The live page: cards from GET /actuator/baton and the orders line from GET /orders each second,
// scenario buttons from GET /scenarios, and a timeline for each run of POST /scenarios/{name}.
// Kind-specific fields of the endpoint may be absent or null; every reader below tolerates both.

const REFRESH_MILLIS = 1000;

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([key, value]) => {
    if (value !== undefined && value !== null) node.setAttribute(key, value);
  });
  children.flat(Infinity).forEach(child => {
    if (child !== undefined && child !== null) {
      node.append(child instanceof Node ? child : String(child));
    }
  });
  return node;
}

function given(value) {
  return value !== undefined && value !== null;
}

function holderText(holder) {
  if (!given(holder)) return null;
  const by = given(holder.takenBy) ? ' by ' + holder.takenBy : '';
  return given(holder.heldMillis) ? holder.heldMillis + ' ms' + by : by.trim() || null;
}

function meter(used, max) {
  if (!given(used) || !given(max) || max <= 0) return null;
  const percent = Math.min(100, Math.round(100 * used / max));
  return el('div', { class: 'meter', title: used + ' of ' + max },
    el('span', { style: 'width:' + percent + '%' }));
}

// Rows of a card's details: [label, value]; rows whose value is missing are left out.
function detailRows(p) {
  const common = [['waiters', p.waiters], ['scope', p.scope]];
  switch (p.kind) {
    case 'lock':
      return [...common, ['holders', p.holders], ['oldest holder', holderText(p.oldestHolder)]];
    case 'lock-family':
      return [...common, ['active keys', p.activeKeys], ['held keys', p.heldKeys],
        ['holders', p.holders], ['oldest holder', holderText(p.oldestHolder)],
        ['keys', Array.isArray(p.keys)
          ? p.keys.map(k => (given(k) && given(k.key) ? k.key : k)).join(', ') : null]];
    case 'semaphore': {
      const permits = p.permits || {};
      return [['permits in use', given(permits.inUse) && given(permits.max)
          ? permits.inUse + ' / ' + permits.max : null],
        ['available', permits.available], ...common,
        ['oldest holder', holderText(p.oldestHolder)]];
    }
    case 'event':
      return common;
    case 'condition':
      return [['waiting for signal', p.waiters], ['lock waiters', p.lockWaiters],
        ['scope', p.scope], ['holders', p.holders], ['oldest holder', holderText(p.oldestHolder)]];
    case 'queue':
      return [['depth', given(p.size)
          ? p.size + (given(p.capacity) ? ' / ' + p.capacity : ' (unbounded)') : null],
        ['unfinished', p.unfinished], ['putters', p.putters], ['takers', p.takers],
        ['scope', p.scope]];
    case 'barrier':
      return [['waiting', given(p.waiting) && given(p.parties)
          ? p.waiting + ' / ' + p.parties : p.waiting], ...common];
    default:
      return common;
  }
}

function cardMeter(p) {
  if (p.kind === 'semaphore' && p.permits) return meter(p.permits.inUse, p.permits.max);
  if (p.kind === 'queue') return meter(p.size, p.capacity);
  if (p.kind === 'barrier') return meter(p.waiting, p.parties);
  return null;
}

// The card's colour. free: idle; busy: held, in use, holding items or not yet set; full: no
// room left or callers queued for it. Idle consumers waiting on a queue are not a load.
function load(p) {
  if (['exhausted', 'broken', 'shut-down'].includes(p.state)) return 'full';
  if (p.kind === 'queue') {
    if (p.putters > 0 || (given(p.capacity) && p.size >= p.capacity)) return 'full';
    return p.size > 0 ? 'busy' : 'free';
  }
  if (p.kind !== 'event' && ((p.waiters || 0) + (p.lockWaiters || 0)) > 0) return 'full';
  return ['locked', 'in-use', 'clear'].includes(p.state) ? 'busy' : 'free';
}

function card(p) {
  const rows = detailRows(p).filter(([, value]) => given(value));
  return el('article', {
      class: 'card ' + load(p), id: 'card-' + p.kind + '-' + p.name,
      'data-name': p.name, 'data-kind': p.kind, 'data-state': p.state },
    el('header', {}, el('span', { class: 'name' }, p.name), el('span', { class: 'kind' }, p.kind)),
    el('div', { class: 'state' }, p.state),
    cardMeter(p),
    el('dl', {}, rows.map(([label, value]) => [el('dt', {}, label), el('dd', {}, value)])));
}

// Where the primitives live: this instance, or Redis shared with every other instance.
function backendText(body) {
  if (body.backend !== 'redis' || !body.redis) return 'backend: local (this instance)';
  const r = body.redis;
  return 'backend: redis at ' + r.address + ' (lease ' + r.lease + ', '
    + (r.connected ? 'connected' : 'disconnected') + (r.quarantined ? ', quarantined' : '')
    + '), shared by every instance';
}

async function refreshCards() {
  const status = document.getElementById('status');
  try {
    const response = await fetch('/actuator/baton', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error('/actuator/baton answered ' + response.status);
    const body = await response.json();
    const primitives = Array.isArray(body.primitives) ? body.primitives : [];
    document.getElementById('cards').replaceChildren(...primitives.map(card));
    status.textContent = backendText(body) + ', ' + primitives.length + ' primitives, refreshed '
      + new Date().toLocaleTimeString();
    status.classList.remove('error');
  } catch (error) {
    status.textContent = 'Cannot read the primitives: ' + error.message;
    status.classList.add('error');
  } finally {
    setTimeout(refreshCards, REFRESH_MILLIS);
  }
}

// The orders line: GET /orders, this instance's view of the orders it placed and settled.
async function refreshOrders() {
  try {
    const response = await fetch('/orders', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error('/orders answered ' + response.status);
    const status = await response.json();
    const ledger = status.ledger || {};
    const show = (id, value) => {
      document.getElementById(id).textContent = given(value) ? value : '–';
    };
    show('orders-instance', status.instance);
    show('orders-placed', status.placed);
    show('orders-settled', ledger.settled);
    show('orders-elsewhere', ledger.placedElsewhere);
    document.getElementById('orders').classList.remove('error');
  } catch (error) {
    document.getElementById('orders').classList.add('error');
  } finally {
    setTimeout(refreshOrders, REFRESH_MILLIS);
  }
}

// Spans of one actor on one primitive: waiting until granted or woken, holding until released.
function spans(events) {
  const result = [];
  const open = {};
  const close = (key, at) => {
    if (open[key]) { result.push({ ...open[key], to: at }); delete open[key]; }
  };
  events.forEach((e, index) => {
    const key = e.actor + '\u0000' + e.on;
    const start = kind => { open[key] = { actor: e.actor, kind, from: e.atMillis }; };
    if (e.action === 'waiting') {
      close(key, e.atMillis);
      start('waiting');
    } else if (e.action === 'acquired') {
      close(key, e.atMillis);
      start('holding');
    } else if (e.action === 'proceeded' || e.action === 'produced') {
      close(key, e.atMillis);
      const next = events.slice(index + 1).find(n => n.actor === e.actor && n.on === e.on);
      if (next && next.action === 'released') start('holding');
    } else if (e.action === 'released') {
      close(key, e.atMillis);
    }
  });
  return result;
}

function lanes(run) {
  const total = Math.max(1, run.durationMillis);
  const actors = [...new Set(run.events.map(e => e.actor))];
  const position = ms => (100 * ms / total).toFixed(2) + '%';
  const allSpans = spans(run.events);
  const marks = ['set', 'signalled', 'produced', 'consumed', 'stopped'];
  return el('div', { class: 'lanes' },
    actors.map(actor => el('div', { class: 'lane' },
      el('span', { class: 'who' }, actor),
      el('div', { class: 'track' },
        allSpans.filter(s => s.actor === actor).map(s => el('span', {
          class: 'span ' + s.kind, title: s.kind + ' ' + s.from + '–' + s.to + ' ms',
          style: 'left:' + position(s.from) + ';width:' + position(Math.max(s.to - s.from, 2)) })),
        run.events.filter(e => e.actor === actor && marks.includes(e.action)).map(e => el('span', {
          class: 'mark', title: e.action + (given(e.item) ? ' ' + e.item : '') + ' at '
            + e.atMillis + ' ms', style: 'left:' + position(e.atMillis) }))))),
    el('p', { class: 'legend' }, el('i', { style: 'background:var(--wait)' }), 'waiting',
      el('i', { style: 'background:var(--hold)' }), 'holding',
      el('i', { style: 'background:var(--ink)' }), 'set, signalled, produced, consumed'));
}

function showTimeline(run) {
  const timeline = document.getElementById('timeline');
  timeline.replaceChildren(
    el('h3', {}, run.scenario + ' — ' + run.durationMillis + ' ms, primitives: '
      + run.primitives.join(', ')),
    lanes(run),
    el('table', { id: 'timeline-events', 'data-scenario': run.scenario },
      el('thead', {}, el('tr', {}, ['ms', 'who', 'did', 'on', 'item'].map(h => el('th', {}, h)))),
      el('tbody', {}, run.events.map(e => el('tr', { class: 'event', 'data-action': e.action },
        el('td', { class: 'ms' }, e.atMillis), el('td', {}, e.actor),
        el('td', { class: 'action' }, e.action), el('td', {}, e.on),
        el('td', {}, given(e.item) ? e.item : ''))))));
  timeline.hidden = false;
}

async function runScenario(button, name) {
  button.disabled = true;
  try {
    const response = await fetch('/scenarios/' + encodeURIComponent(name), { method: 'POST' });
    if (!response.ok) throw new Error('the run answered ' + response.status);
    showTimeline(await response.json());
  } catch (error) {
    const timeline = document.getElementById('timeline');
    timeline.replaceChildren(el('p', { class: 'status error' }, name + ': ' + error.message));
    timeline.hidden = false;
  } finally {
    button.disabled = false;
  }
}

async function loadScenarios() {
  const response = await fetch('/scenarios');
  const scenarios = await response.json();
  document.getElementById('scenarios').replaceChildren(...scenarios.map(s => {
    const button = el('button', { id: 'run-' + s.name, title: s.description }, 'Run ' + s.name);
    button.addEventListener('click', () => runScenario(button, s.name));
    return button;
  }));
}

function wireServiceButtons() {
  const result = document.getElementById('service-result');
  document.querySelectorAll('button[data-post], button[data-get]').forEach(button => {
    button.addEventListener('click', async () => {
      const post = button.dataset.post;
      button.disabled = true;
      result.textContent = 'running…';
      try {
        const response = await fetch(post || button.dataset.get, { method: post ? 'POST' : 'GET' });
        const text = await response.text();
        let shown = text;
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (notJson) { /* as is */ }
        result.textContent = response.status + '\n' + shown;
      } catch (error) {
        result.textContent = error.message;
      } finally {
        button.disabled = false;
      }
    });
  });
}

wireServiceButtons();
loadScenarios();
refreshCards();
refreshOrders();
