// The live console: polls api/snapshot once a second and updates the page in place. Elements are built once per
// service and instance and then only their text and state change, so keyboard focus stays on the button a user is
// on. Everything from the server goes in as text (textContent), never as markup.
'use strict';

const POLL_MILLIS = 1000;
const REQUEST_TIMEOUT_MILLIS = 3000;
const FAULTS = [
  { fault: 'stop', label: 'Stop' },
  { fault: 'hang', label: 'Hang' },
  { fault: 'slow', label: 'Slow' },
  { fault: 'fail', label: 'Fail' },
];
const HEALTH = {
  up: { icon: '✓', text: 'up' },
  down: { icon: '✕', text: 'down' },
  unknown: { icon: '?', text: 'unknown' },
};
const BREAKER = {
  closed: { icon: '●', text: 'closed' },
  open: { icon: '⊘', text: 'open' },
  half_open: { icon: '◐', text: 'half-open' },
};
const numbers = new Intl.NumberFormat('en');
const SVG = 'http://www.w3.org/2000/svg';
// a sparkline has a slot per second of the last minute, so a young series starts at the right and grows leftwards
const SPARK_SLOTS = 60;
const SPARK_WIDTH = 60;
const SPARK_HEIGHT = 18;
const SPARK_PAD = 1.5; // keeps the line and its end dot inside the box at 0 and at the peak

const services = new Map(); // name -> { section, list, count, instances: Map(address -> view) }
let nextId = 0;
let timer = null;
let polling = false;
let connected = null;

const $ = (id) => document.getElementById(id);

function element(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') el.textContent = value;
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value);
  }
  el.append(...children);
  return el;
}

function badge(kind) {
  const icon = element('span', { class: 'icon', 'aria-hidden': 'true' });
  const value = element('span', { class: 'value' });
  const el = element('span', { class: `badge ${kind}` }, `${kind === 'health' ? 'Health' : 'Breaker'}: `, icon, ' ', value);
  return { el, icon, value };
}

function stat(label) {
  const value = element('dd');
  return { el: element('div', {}, element('dt', { text: label }), value), value };
}

function svgElement(tag, attributes) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
  return el;
}

// A stat with a sparkline of its last minute beside the current value. The line is an image with a text
// alternative (aria-label, not an SVG title: a title would join the value in the dd's text).
function trend(label, describe) {
  const value = element('span', { class: 'value' });
  const svg = svgElement('svg', {
    class: 'sparkline', role: 'img', width: SPARK_WIDTH, height: SPARK_HEIGHT, viewBox: `0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`,
  });
  const floor = SPARK_HEIGHT - SPARK_PAD;
  const line = svgElement('polyline', { points: '' });
  const dot = svgElement('circle', { r: 2, cx: SPARK_WIDTH - SPARK_PAD, cy: floor });
  svg.append(svgElement('line', { class: 'floor', x1: SPARK_PAD, y1: floor, x2: SPARK_WIDTH - SPARK_PAD, y2: floor }), line, dot);
  const dd = element('dd', { class: 'trend' }, value, svg);
  return { el: element('div', {}, element('dt', { text: label }), dd), value, svg, line, dot, label, describe };
}

// Draws points (oldest first, at most SPARK_SLOTS) scaled from 0 to their own peak: a flat line at the floor is
// "nothing", not "steady", and a rate's shape is not exaggerated by a floor above zero.
function drawTrend(t, points) {
  const shown = points.slice(-SPARK_SLOTS);
  const peak = Math.max(0, ...shown);
  const step = (SPARK_WIDTH - 2 * SPARK_PAD) / (SPARK_SLOTS - 1);
  const first = SPARK_SLOTS - shown.length;
  const xy = shown.map((v, i) => [
    SPARK_PAD + (first + i) * step,
    SPARK_HEIGHT - SPARK_PAD - (peak > 0 ? (v / peak) * (SPARK_HEIGHT - 2 * SPARK_PAD) : 0),
  ]);
  t.line.setAttribute('points', xy.map(([x, y]) => `${x.toFixed(2)},${y.toFixed(2)}`).join(' '));
  t.dot.style.visibility = xy.length ? 'visible' : 'hidden';
  if (xy.length) t.dot.setAttribute('cy', xy[xy.length - 1][1].toFixed(2));
  t.svg.setAttribute('aria-label', shown.length === 0
    ? `${t.label}, last minute: no points yet`
    : `${t.label}, last ${shown.length} s: min ${t.describe(Math.min(...shown))}, max ${t.describe(peak)}, `
      + `last ${t.describe(shown[shown.length - 1])}`);
}

function buildInstance(address, faultsEnabled) {
  const id = `instance-${nextId++}`;
  const health = badge('health');
  const breaker = badge('breaker');
  const rps = trend('req/s', (v) => v.toFixed(1));
  const p99 = trend('p99', formatMillis);
  const requests = stat('requests');
  const errors = stat('errors');
  const bar = element('div', { class: 'traffic-bar' });
  const fault = element('p', { class: 'fault' });
  const item = element('li', { class: 'instance', 'aria-labelledby': id, 'data-address': address },
    element('h4', { id, class: 'address', text: address }),
    element('p', { class: 'badges' }, health.el, breaker.el),
    element('dl', { class: 'stats' }, rps.el, p99.el, requests.el, errors.el),
    element('div', { class: 'traffic', 'aria-hidden': 'true' }, bar),
    fault);
  const buttons = new Map();
  if (faultsEnabled) {
    const group = element('div', { class: 'fault-buttons', role: 'group', 'aria-label': `Faults for ${address}` });
    for (const { fault: name, label } of FAULTS) {
      const button = element('button', {
        type: 'button', 'data-fault': name, 'aria-pressed': 'false', 'aria-label': `${label} instance ${address}`, text: label,
      });
      buttons.set(name, button);
      group.append(button);
    }
    group.append(element('button', {
      type: 'button', 'data-fault': 'none', class: 'restore', 'aria-label': `Restore instance ${address}`, text: 'Restore',
    }));
    item.append(group);
  }
  return { item, health, breaker, rps, p99, requests: requests.value, errors: errors.value, bar, fault, buttons, last: null };
}

function policy() {
  const balancer = element('dd', { class: 'balancer' });
  const retry = element('dd', { class: 'retry' });
  const el = element('dl', { class: 'policy' },
    element('div', {}, element('dt', { text: 'Balancer' }), balancer),
    element('div', {}, element('dt', { text: 'Retry' }), retry));
  return { el, balancer, retry };
}

function buildService(name) {
  const id = `service-${nextId++}`;
  const count = element('span', { class: 'count' });
  const list = element('ul', { class: 'instances' });
  const policies = policy();
  const section = element('section', { class: 'service', 'aria-labelledby': id, 'data-service': name },
    element('h3', { id }, element('span', { class: 'name', text: name }), ' ', count),
    policies.el,
    list);
  return { section, list, count, policy: policies, last: null, instances: new Map() };
}

function formatMillis(ms) {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${numbers.format(Math.round(ms))} ms`;
}

function setState(b, table, state) {
  const shown = table[state] ?? { icon: '?', text: state };
  b.el.dataset.state = state;
  b.icon.textContent = shown.icon;
  b.value.textContent = shown.text;
}

function updateInstance(view, instance, serviceName, busiest) {
  const last = view.last;
  setState(view.health, HEALTH, instance.health);
  setState(view.breaker, BREAKER, instance.breaker);
  view.rps.value.textContent = instance.requestsPerSecond.toFixed(1);
  view.p99.value.textContent = instance.p99Millis === 0 && instance.requestsPerSecond === 0 ? 'none' : formatMillis(instance.p99Millis);
  drawTrend(view.rps, instance.requestsPerSecondLastMinute);
  drawTrend(view.p99, instance.p99MillisLastMinute);
  view.requests.textContent = numbers.format(instance.requests);
  view.errors.textContent = numbers.format(instance.errors);
  // CSSOM writes are allowed under the page's content security policy; style attributes in markup are not
  view.bar.style.width = `${busiest > 0 ? Math.round(100 * instance.requestsPerSecond / busiest) : 0}%`;
  view.fault.textContent = `Fault: ${instance.fault}`;
  view.fault.dataset.fault = instance.fault;
  view.item.dataset.health = instance.health;
  view.item.dataset.breaker = instance.breaker;
  view.item.dataset.fault = instance.fault;
  for (const [name, button] of view.buttons) button.setAttribute('aria-pressed', String(name === instance.fault));
  if (last) {
    const changes = [];
    if (last.breaker !== instance.breaker) changes.push(`breaker ${(BREAKER[instance.breaker] ?? {}).text ?? instance.breaker}`);
    if (last.health !== instance.health) changes.push(`health ${instance.health}`);
    if (changes.length) announce(`${serviceName} ${instance.address}: ${changes.join(', ')}`);
  }
  view.last = instance;
}

// Moves child to position index only if it is elsewhere: a moved element loses keyboard focus, so the common case,
// nothing changed, must not touch the tree.
function place(parent, child, index) {
  const current = parent.children[index] ?? null;
  if (current !== child) parent.insertBefore(child, current);
}

// The gateway's box repeats a policy that every service shares; when they differ, each service's box says which.
function shared(values) {
  const distinct = [...new Set(values)];
  if (distinct.length === 0) return 'no services';
  return distinct.length === 1 ? distinct[0] : 'differs per service';
}

function renderServices(snapshot) {
  $('gateway-balancer').textContent = shared(snapshot.services.map((s) => s.balancer));
  $('gateway-retry').textContent = shared(snapshot.services.map((s) => s.retry));
  const container = $('services');
  container.querySelector('.empty')?.remove();
  container.removeAttribute('aria-busy');
  $('faults-hint').hidden = !snapshot.faultsEnabled;
  const seen = new Set();
  for (const service of snapshot.services) {
    seen.add(service.name);
    let view = services.get(service.name);
    if (!view) {
      view = buildService(service.name);
      services.set(service.name, view);
    }
    place(container, view.section, seen.size - 1);
    view.policy.balancer.textContent = service.balancer;
    view.policy.retry.textContent = service.retry;
    if (view.last && (view.last.balancer !== service.balancer || view.last.retry !== service.retry)) {
      announce(`${service.name}: balancer ${service.balancer}, retry ${service.retry}`);
    }
    view.last = { balancer: service.balancer, retry: service.retry };
    const count = service.instances.length;
    view.count.textContent = `${count} ${count === 1 ? 'instance' : 'instances'}`;
    const busiest = Math.max(0, ...service.instances.map((i) => i.requestsPerSecond));
    const present = new Set();
    for (const instance of service.instances) {
      present.add(instance.address);
      let iv = view.instances.get(instance.address);
      if (!iv) {
        iv = buildInstance(instance.address, snapshot.faultsEnabled);
        view.instances.set(instance.address, iv);
      }
      place(view.list, iv.item, present.size - 1);
      updateInstance(iv, instance, service.name, busiest);
    }
    for (const [address, iv] of view.instances) {
      if (!present.has(address)) {
        iv.item.remove();
        view.instances.delete(address);
        announce(`${service.name} ${address} left`);
      }
    }
  }
  for (const [name, view] of services) {
    if (!seen.has(name)) {
      view.section.remove();
      services.delete(name);
    }
  }
}

function timeElement(iso) {
  const at = new Date(iso);
  return element('time', { datetime: iso, text: at.toLocaleTimeString('en-GB', { hour12: false }) });
}

function renderErrors(errors) {
  const rows = errors.map((e) => element('tr', {},
    element('td', {}, timeElement(e.at)),
    element('td', { text: e.service }),
    element('td', { text: e.instance || '(none)' }),
    element('td', {}, element('span', { class: 'kind', text: e.kind })),
    element('td', { text: e.message })));
  if (rows.length === 0) rows.push(element('tr', { class: 'none' }, element('td', { colspan: '5', text: 'No errors.' })));
  $('error-rows').replaceChildren(...rows);
}

function render(snapshot) {
  renderServices(snapshot);
  renderErrors(snapshot.recentErrors);
  $('updated').replaceWith(Object.assign(timeElement(snapshot.at), { id: 'updated' }));
}

function announce(message) {
  const announcer = $('announcer');
  announcer.append(element('p', { text: message }));
  while (announcer.childElementCount > 5) announcer.firstElementChild.remove();
}

function setConnected(ok, detail) {
  if (ok === connected) return;
  connected = ok;
  const status = $('connection');
  status.dataset.state = ok ? 'live' : 'lost';
  status.textContent = ok ? 'Live: updated every second.' : `Connection lost (${detail}); retrying every second.`;
  $('main').classList.toggle('stale', !ok);
}

async function poll() {
  clearTimeout(timer);
  if (polling) return;
  polling = true;
  try {
    const response = await fetch('api/snapshot', { cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
    setConnected(true);
  } catch (e) {
    setConnected(false, e.name === 'TimeoutError' ? 'no answer' : e.message);
  } finally {
    polling = false;
    timer = setTimeout(poll, POLL_MILLIS);
  }
}

async function applyFault(address, fault) {
  const what = fault === 'none' ? `Restore ${address}` : `${fault} ${address}`;
  try {
    const response = await fetch(`api/faults/${encodeURIComponent(address)}/${encodeURIComponent(fault)}`,
      { method: 'POST', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MILLIS) });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.message ?? `HTTP ${response.status}`);
    }
    announce(fault === 'none' ? `${address} restored` : `Fault ${fault} applied to ${address}`);
  } catch (e) {
    announce(`${what} failed: ${e.message}`);
  }
  poll();
}

document.addEventListener('DOMContentLoaded', () => {
  $('services').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-fault]');
    const item = button?.closest('[data-address]');
    if (item) applyFault(item.dataset.address, button.dataset.fault);
  });
  poll();
});
