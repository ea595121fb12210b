'use strict';
// The live page: cards from GET /actuator/baton, stuck calls from GET /actuator/batonstalls and
// the orders line from GET /orders each second, scenario buttons from GET /scenarios, and a
// timeline for each run of POST /scenarios/{name}. Kind-specific fields of the endpoints may be
// absent or null; every reader below tolerates both.

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

// Why a request failed, as an Error: its status, and the `detail` of the ProblemDetail it
// answered with if it did (a run that timed out says who held the wait up); the status alone
// when the body is not JSON or has no detail.
async function failure(response, what) {
  let detail = null;
  try {
    const body = await response.json();
    if (body && typeof body.detail === 'string' && body.detail) detail = body.detail;
  } catch (notJson) { /* the status says it */ }
  return new Error(what + ' answered ' + response.status + (detail ? ': ' + detail : ''));
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
        ['holders', p.holders], ['oldest holder', holderText(p.oldestHolder)]];
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

// The card's colour. unknown: Redis has not answered a first read of it, so neither free nor
// held (grey); free: idle; busy: held, in use, holding items or not yet set; full: no room left
// or callers queued for it. Idle consumers waiting on a queue are not a load.
function load(p) {
  if (p.state === 'unknown') return 'unknown';
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
    if (!response.ok) throw await failure(response, '/actuator/baton');
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

// Stuck calls: GET /actuator/batonstalls, the stall view checked when read. Each deadlock is drawn
// as its cycle: a box per call (site, what it holds, what it waits for), an arrow from each to the
// call it waits for, and from the last back to the first; confirmed ones in red, suspected ones
// (not yet unchanged for baton.stalls.confirm-after) in amber. Gone once the deadlock resolves.
// Below: stalls (holds and waits past their thresholds) while they last, and the re-entries and
// lock-order inversions seen since start-up.

function seconds(millis) {
  return given(millis) ? (millis / 1000).toFixed(1) + ' s' : null;
}

function primitiveText(p) {
  return p.primitive + " '" + p.name + "'";
}

function list(value) {
  return Array.isArray(value) ? value : [];
}

function stuckCall(call) {
  const holds = list(call.holds).map(h => primitiveText(h)
    + (given(h.heldMillis) ? ' for ' + seconds(h.heldMillis) : ''));
  const waits = list(call.waits).map(w => primitiveText(w)
    + (given(w.waitedMillis) ? ' for ' + seconds(w.waitedMillis) : '')
    + (w.timed === false ? ', no timeout' : ''));
  const rows = [['holds', holds.join(', ') || null],
    ['waits for', waits.join(', ') || 'a call made from it'], ['called by', call.caller]];
  return el('article', { class: 'stuck-call', 'data-site': call.site, 'data-id': call.id },
    el('header', {}, el('span', { class: 'name' }, call.site),
      el('span', { class: 'kind' }, given(call.id) ? '#' + call.id : null)),
    el('dl', {}, rows.filter(([, value]) => given(value))
      .map(([label, value]) => [el('dt', {}, label), el('dd', {}, value)])));
}

// How a call waits for the next one on its cycle: for what that one holds, or for a call it made.
function arrow(call, next, back) {
  const how = list(call.waits).length > 0 ? 'held by' : 'its call';
  return el('span', { class: 'arrow' + (back ? ' back' : '') },
    back ? how + ' ' + next.site : how);
}

function deadlockView(deadlock) {
  const cycle = list(deadlock.cycle); // from its earliest call, so each redraw keeps the order
  const tail = list(deadlock.tail);
  const untimed = cycle.every(call => list(call.waits).every(w => w.timed === false));
  return el('article', {
      class: 'deadlock ' + (deadlock.confirmed ? 'confirmed' : 'suspected'),
      'data-confirmed': String(Boolean(deadlock.confirmed)) },
    el('header', {}, el('b', {}, deadlock.confirmed ? 'Deadlock, confirmed' : 'Deadlock suspected'),
      ': ' + cycle.length + ' calls, each waiting for the next, the last for the first; '
      + (untimed ? 'no wait has a timeout, so it lasts until restart.'
        : 'it ends when a timeout expires.')),
    el('div', { class: 'cycle' }, cycle.map((call, i) => [stuckCall(call),
      arrow(call, cycle[(i + 1) % cycle.length], i === cycle.length - 1)])),
    tail.length > 0 ? el('p', { class: 'tail' }, 'Stuck behind it: '
      + tail.map(call => call.site + (given(call.id) ? ' #' + call.id : '')).join(', ')) : null);
}

function inversionText(inversion) {
  return list(inversion.steps).map(step => step.site + ' takes ' + step.first + ', then '
    + step.then).join('; ');
}

function stallText(stall) {
  const what = stall.primitive + " '" + stall.name + "'";
  const who = given(stall.site) ? stall.site : 'a call Baton does not know';
  return (stall.kind === 'held' ? what + ' held for ' + seconds(stall.millis) + ' by ' + who
    : who + ' waiting ' + seconds(stall.millis) + ' for ' + what)
    + ' (threshold ' + seconds(stall.thresholdMillis) + ')';
}

// Findings listed below the deadlocks: stalls now; re-entries, inversions and leaked permits
// since start-up.
function findings(className, label, items, text) {
  return items.length === 0 ? [] : [el('ul', { class: 'findings ' + className },
    items.map(item => el('li', {}, el('b', {}, label + ': '), text(item))))];
}

function reentryText(r) {
  return r.site + ' waited for ' + r.primitive + " '" + r.name + "', which "
    + (r.holder === r.site ? 'it held already' : 'its caller ' + r.holder + ' held');
}

function leakText(leak) {
  return 'a permit of ' + leak.primitive + " '" + leak.name + "' taken by "
    + (leak.site || 'a call Baton does not know')
    + ' was dropped unreleased; nothing can release it, so it stays held until restart';
}

function stallsSummary(report, deadlocks) {
  const confirmed = deadlocks.filter(d => d.confirmed).length;
  const state = deadlocks.length === 0 ? 'Nothing stuck'
    : deadlocks.length + (deadlocks.length === 1 ? ' deadlock' : ' deadlocks')
      + ' (' + confirmed + ' confirmed)';
  const pending = report.pendingWaits || 0;
  return state + ': level ' + report.level + ', ' + pending + (pending === 1 ? ' wait' : ' waits')
    + ' pending on locks, semaphores and events, ' + (report.waitsOfUnknownCalls || 0)
    + ' of them of calls it cannot place; refreshed ' + new Date().toLocaleTimeString();
}

async function refreshStalls() {
  const stalls = document.getElementById('stalls');
  try {
    const response = await fetch('/actuator/batonstalls', { headers: { Accept: 'application/json' } });
    if (response.status === 404) {
      stalls.replaceChildren(el('p', { class: 'status' }, 'The stall view is off: set'
        + ' baton.stalls.level=basic and expose the batonstalls endpoint.'));
      return;
    }
    if (!response.ok) throw await failure(response, '/actuator/batonstalls');
    const report = await response.json();
    const deadlocks = list(report.deadlocks);
    stalls.replaceChildren(
      el('p', { id: 'stalls-summary', class: 'status' }, stallsSummary(report, deadlocks)),
      ...deadlocks.map(deadlockView),
      ...findings('stalls-now', 'Stall', list(report.stalls), stallText),
      ...findings('reentries', 'Re-entry', list(report.reentries),
        r => reentryText(r) + "; Baton's locks are not re-entrant"),
      ...findings('inversions', 'Lock-order inversion', list(report.inversions),
        i => inversionText(i) + '; two calls taking them in these orders at once would deadlock'),
      ...findings('leaked-permits', 'Leaked permit', list(report.leakedPermits), leakText));
  } catch (error) {
    stalls.replaceChildren(el('p', { class: 'status error' },
      'Cannot read the stuck calls: ' + error.message));
  } finally {
    setTimeout(refreshStalls, REFRESH_MILLIS);
  }
}

// The orders line: GET /orders, this instance's view of the orders it placed and settled. When
// it cannot be read, the line keeps the last numbers read and a line below says why and when
// they are from.
let ordersReadAt = null;

async function refreshOrders() {
  const problem = document.getElementById('orders-problem');
  try {
    const response = await fetch('/orders', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw await failure(response, '/orders');
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
    problem.hidden = true;
    ordersReadAt = new Date();
  } catch (error) {
    document.getElementById('orders').classList.add('error');
    problem.textContent = 'Cannot read the orders: ' + error.message + '; '
      + (ordersReadAt ? 'the numbers above are from ' + ordersReadAt.toLocaleTimeString()
        : 'none read yet');
    problem.hidden = false;
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
    const start = kind => { open[key] = { actor: e.actor, on: e.on, kind, from: e.atMillis }; };
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
    } else if (e.action === 'released' || e.action === 'timed-out') {
      close(key, e.atMillis);
    }
  });
  return result;
}

// One lane per actor; an actor that holds or waits for several primitives (as in the deadlock,
// holding one lock while waiting for another) gets one lane per primitive, so no span hides
// another.
function laneKeys(events, allSpans) {
  const actors = [...new Set(events.map(e => e.actor))];
  return actors.flatMap(actor => {
    const ons = [...new Set(allSpans.filter(s => s.actor === actor).map(s => s.on))];
    return ons.length > 1 ? ons.map(on => ({ actor, on, label: actor + ' · ' + on }))
      : [{ actor, on: null, label: actor }];
  });
}

function lanes(run) {
  const total = Math.max(1, run.durationMillis);
  const position = ms => (100 * ms / total).toFixed(2) + '%';
  const allSpans = spans(run.events);
  const keys = laneKeys(run.events, allSpans);
  const inLane = (lane, x) => x.actor === lane.actor && (lane.on === null || x.on === lane.on);
  const marks = ['set', 'signalled', 'produced', 'consumed', 'stopped', 'timed-out'];
  const split = keys.some(lane => lane.on !== null);
  return el('div', { class: 'lanes' + (split ? ' wide' : '') },
    keys.map(lane => el('div', { class: 'lane' },
      el('span', { class: 'who' }, lane.label),
      el('div', { class: 'track' },
        allSpans.filter(s => inLane(lane, s)).map(s => el('span', {
          class: 'span ' + s.kind, title: s.kind + ' ' + s.from + '–' + s.to + ' ms',
          style: 'left:' + position(s.from) + ';width:' + position(Math.max(s.to - s.from, 2)) })),
        run.events.filter(e => inLane(lane, e) && marks.includes(e.action)).map(e => el('span', {
          class: 'mark' + (e.action === 'timed-out' ? ' timeout' : ''),
          title: e.action + (given(e.item) ? ' ' + e.item : '') + ' at ' + e.atMillis + ' ms',
          style: 'left:' + position(e.atMillis) }))))),
    el('p', { class: 'legend' }, el('i', { style: 'background:var(--wait)' }), 'waiting',
      el('i', { style: 'background:var(--hold)' }), 'holding',
      el('i', { style: 'background:var(--ink)' }), 'set, signalled, produced, consumed',
      run.events.some(e => e.action === 'timed-out')
        ? [el('i', { style: 'background:var(--full)' }), 'timed out'] : null));
}

// A row per event; a timeout's message (who held the wait up) on a row of its own below it.
function eventRows(e) {
  return [el('tr', { class: 'event', 'data-action': e.action },
      el('td', { class: 'ms' }, e.atMillis), el('td', {}, e.actor),
      el('td', { class: 'action' }, e.action), el('td', {}, e.on),
      el('td', {}, given(e.item) ? e.item : '')),
    given(e.message) ? el('tr', { class: 'message', 'data-action': e.action },
      el('td', {}), el('td', { colspan: 4 }, e.message)) : null];
}

function showTimeline(run) {
  const timeline = document.getElementById('timeline');
  timeline.replaceChildren(
    el('h3', {}, run.scenario + ' — ' + run.durationMillis + ' ms, primitives: '
      + run.primitives.join(', ')),
    lanes(run),
    el('table', { id: 'timeline-events', 'data-scenario': run.scenario },
      el('thead', {}, el('tr', {}, ['ms', 'who', 'did', 'on', 'item'].map(h => el('th', {}, h)))),
      el('tbody', {}, run.events.map(eventRows))));
  timeline.hidden = false;
}

async function runScenario(button, name) {
  button.disabled = true;
  try {
    const response = await fetch('/scenarios/' + encodeURIComponent(name), { method: 'POST' });
    if (!response.ok) throw await failure(response, 'the run');
    showTimeline(await response.json());
  } catch (error) {
    const timeline = document.getElementById('timeline');
    timeline.replaceChildren(el('p', { class: 'status error' }, name + ': ' + error.message));
    timeline.hidden = false;
  } finally {
    button.disabled = false;
  }
}

// The scenario buttons, from GET /scenarios; if it cannot be read, why, and a button to try again.
async function loadScenarios() {
  const section = document.getElementById('scenarios');
  try {
    const response = await fetch('/scenarios', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw await failure(response, '/scenarios');
    const scenarios = await response.json();
    section.replaceChildren(...list(scenarios).map(s => {
      const button = el('button', { id: 'run-' + s.name, title: s.description }, 'Run ' + s.name);
      button.addEventListener('click', () => runScenario(button, s.name));
      return button;
    }));
  } catch (error) {
    const again = el('button', { id: 'reload-scenarios' }, 'Try again');
    again.addEventListener('click', loadScenarios);
    section.replaceChildren(el('p', { id: 'scenarios-problem', class: 'status error' },
      'Cannot read the scenarios: ' + error.message), again);
  }
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
refreshStalls();
refreshOrders();
