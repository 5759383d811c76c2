// The endpointd console: what `endpoints` does, as a page the daemon serves on its own loopback
// origin. It authenticates with the HttpOnly session cookie a one-time login link set (it never
// sees the token), reads everything through @endpointd/client, and stays live on the event
// stream (no polling), reconnecting after a daemon restart.
import {
  type BackendInfo,
  createEndpointdClient,
  type DaemonEvent,
  type DiscoveredService,
  type Endpoint,
  EndpointdApiError,
  type EndpointList,
  type Exposure,
  type ExposureType,
  type ProviderStatus,
} from '@endpointd/client';
import QRCode from 'qrcode';
import { byId, h, replaceChildren } from './dom.js';
import { DURATIONS, EXPOSURE_FORMS, optionsOf, timeLeft } from './exposure-forms.js';

const client = createEndpointdClient({ baseUrl: window.location.origin });

const state = {
  backends: [] as BackendInfo[],
  selected: null as string | null,
  lists: new Map<string, EndpointList | null>(),
  exposures: new Map<string, Exposure[]>(),
  providers: [] as ProviderStatus[],
  /** What listens on this machine (null: discovery is off in the daemon). */
  discovered: [] as DiscoveredService[] | null,
  /** The endpoint the QR code shows; null: the default. */
  qrEndpoint: null as string | null,
  /** Exposure cards built for this backend (forms keep what the user typed across updates). */
  cardsFor: null as string | null,
};

const messageOf = (err: unknown): string =>
  err instanceof EndpointdApiError ? `${err.message}${err.hint ? ` ${err.hint}` : ''}` : err instanceof Error ? err.message : String(err);

function showError(err: unknown): void {
  const el = byId('error');
  el.textContent = err === null ? '' : messageOf(err);
  el.hidden = err === null;
}

function setConnection(text: string): void {
  byId('connection').textContent = text;
}

/** The page without a session: say how to get one, and stop. */
function loggedOut(text: string): void {
  replaceChildren(byId('main'), [h('section', { class: 'notice' }, h('h2', {}, 'Not logged in'), h('p', {}, text))]);
  setConnection('');
  byId('logout').hidden = true;
}

// ---- endpoints ---------------------------------------------------------------------------

function statusBadge(e: Endpoint): HTMLElement {
  const kind =
    e.status === 'verified'
      ? e.reports?.allFailed
        ? 'warn'
        : 'ok'
      : e.status === 'checking' || e.status === 'unverified'
        ? 'muted'
        : 'bad';
  return h('span', { class: `badge ${kind}` }, e.status);
}

function browserBadges(e: Endpoint): HTMLElement {
  const b = e.browser;
  const kind = (v: string) => (v === 'ok' ? 'ok' : v === 'prompt' ? 'warn' : 'bad');
  return h(
    'span',
    {},
    ...(['chromium', 'firefox', 'safari'] as const).map((name) =>
      h(
        'span',
        { class: `badge ${kind(b[name])}`, title: `A page on a public HTTPS origin calling this URL in ${name}` },
        `${name}: ${b[name]}`,
      ),
    ),
    h(
      'span',
      { class: `badge ${b.secureContext ? 'ok' : 'muted'}`, title: 'A page opened at this URL is a secure context' },
      b.secureContext ? 'secure page' : 'insecure page',
    ),
  );
}

function devices(e: Endpoint): string {
  const r = e.reports;
  if (!r) return '–';
  const who = (c: { label: string | null; clientId: string }) => c.label ?? c.clientId;
  const reached = r.clients.filter((c) => c.ok).map(who);
  const failed = r.clients.filter((c) => !c.ok).map((c) => `${who(c)} (${c.failure ?? 'failed'})`);
  return [reached.length ? `reached: ${reached.join(', ')}` : '', failed.length ? `failed: ${failed.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}

async function copy(url: string, button: HTMLButtonElement): Promise<void> {
  try {
    await navigator.clipboard.writeText(url);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
  setTimeout(() => {
    button.textContent = 'Copy';
  }, 1_500);
}

function renderEndpoints(list: EndpointList | null): void {
  const body = byId('endpoints').querySelector('tbody') as HTMLTableSectionElement;
  const notice = byId('notice');
  notice.hidden = !list?.notice;
  notice.textContent = list?.notice?.hint ?? '';
  if (!list) {
    replaceChildren(body, [h('tr', {}, h('td', { colspan: 7 }, 'Verifying…'))]);
    return;
  }
  const rows: HTMLElement[] = [];
  for (const e of list.endpoints) {
    const copyButton = h('button', { type: 'button', class: 'copy quiet', 'aria-label': `Copy ${e.url}` }, 'Copy');
    copyButton.addEventListener('click', () => void copy(e.url, copyButton));
    rows.push(
      h(
        'tr',
        { 'data-endpoint': e.id, 'data-status': e.status },
        h(
          'td',
          { 'data-label': 'Type' },
          e.isDefault ? h('span', { class: 'default-mark', title: 'default endpoint' }, '★ ') : null,
          e.type,
        ),
        h('td', { class: 'url', 'data-label': 'URL' }, h('code', {}, e.url), copyButton),
        h('td', { 'data-label': 'Status' }, statusBadge(e)),
        h('td', { 'data-label': 'Latency' }, e.verification.latencyMs === null ? '–' : `${e.verification.latencyMs.toFixed(1)} ms`),
        h('td', { 'data-label': 'URL life' }, e.stability),
        h('td', { 'data-label': 'Browsers' }, browserBadges(e)),
        h('td', { 'data-label': 'Devices' }, devices(e)),
      ),
    );
    if (e.verification.hint) rows.push(h('tr', { class: 'hint' }, h('td', { colspan: 7 }, `↳ ${e.verification.hint}`)));
  }
  if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: 7 }, 'No endpoint candidates were found.')));
  replaceChildren(body, rows);

  // The default type: saved by type, never by address.
  const select = byId<HTMLSelectElement>('default-type');
  const types = [...new Set(list.endpoints.map((e) => e.type))];
  const saved = list.default.requestedType;
  if (saved && !types.includes(saved)) types.push(saved);
  replaceChildren(select, [
    h('option', { value: '' }, 'automatic'),
    ...types.map((t) => h('option', { value: t, selected: t === saved }, t)),
  ]);
  select.value = saved ?? '';
  byId('default-reason').textContent = `${list.default.fallback ? 'Fallback: ' : ''}${list.default.why}`;
  renderQr(list);
}

async function renderQr(list: EndpointList): Promise<void> {
  const select = byId<HTMLSelectElement>('qr-endpoint');
  const verified = list.endpoints.filter((e) => e.status === 'verified' && e.type !== 'loopback');
  const def = list.endpoints.find((e) => e.isDefault);
  if (state.qrEndpoint && !verified.some((e) => e.id === state.qrEndpoint)) state.qrEndpoint = null;
  replaceChildren(select, [
    h('option', { value: '' }, def ? `default: ${def.url}` : 'default (none verified)'),
    ...verified.map((e) => h('option', { value: e.id, selected: e.id === state.qrEndpoint }, `${e.type}: ${e.url}`)),
  ]);
  select.value = state.qrEndpoint ?? '';
  const chosen = state.qrEndpoint ? verified.find((e) => e.id === state.qrEndpoint) : def;
  const figure = byId('qr');
  if (!chosen) {
    replaceChildren(figure, [h('p', { class: 'muted' }, 'No verified endpoint to open on another device yet.')]);
    return;
  }
  const svgText = await QRCode.toString(chosen.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
  const svg = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `QR code of ${chosen.url}`);
  replaceChildren(figure, [document.importNode(svg, true), h('figcaption', {}, h('code', { 'data-qr-url': chosen.url }, chosen.url))]);
}

// ---- exposures ---------------------------------------------------------------------------

function availableExposureTypes(): ExposureType[] {
  return state.providers.filter((p) => p.available).flatMap((p) => p.exposureTypes);
}

function exposureState(x: Exposure | undefined): HTMLElement {
  if (!x) return h('p', { class: 'state muted' }, 'off');
  const parts: Array<Node | string> = [
    h('span', { class: `badge ${x.state === 'active' ? 'ok' : x.state === 'failed' ? 'bad' : 'warn'}` }, x.state),
  ];
  if (x.state === 'active' && x.endpoint) parts.push(' ', h('code', {}, x.endpoint.url));
  if (x.state === 'needs-approval' && x.approvalUrl)
    parts.push(
      ' ',
      h('a', { href: x.approvalUrl, target: '_blank', rel: 'noopener noreferrer' }, 'Approve in the Tailscale admin console'),
    );
  if (x.expiresAt && x.state !== 'stopped' && x.state !== 'failed')
    parts.push(' ', h('span', { class: 'time-left', 'data-expires': x.expiresAt }, `stops in ${timeLeft(x.expiresAt)}`));
  const detail = [x.reason && x.state !== 'active' ? x.reason : '', x.error ?? '', x.hint ?? ''].filter(Boolean).join(' — ');
  return h('div', { class: 'state', 'data-state': x.state }, h('p', {}, ...parts), detail ? h('p', { class: 'muted' }, detail) : null);
}

function buildCards(backend: string): void {
  const container = byId('exposures');
  const types = availableExposureTypes();
  if (types.length === 0) {
    replaceChildren(container, [h('p', { class: 'muted' }, 'No provider that can set up an exposure is available here (see Providers).')]);
    state.cardsFor = backend;
    return;
  }
  replaceChildren(
    container,
    types.map((type) => {
      const spec = EXPOSURE_FORMS[type];
      const id = (name: string) => `x-${type}-${name}`;
      const formError = h('p', { class: 'error', role: 'alert', hidden: true });
      const form = h(
        'form',
        { 'aria-label': `Enable ${spec.title}` },
        spec.note ? h('p', { class: 'muted' }, spec.note) : null,
        ...spec.fields.map((f) =>
          f.kind === 'confirm'
            ? h('label', {}, h('input', { type: 'checkbox', name: f.option, id: id(f.option), required: f.required }), ` ${f.label}`)
            : h(
                'div',
                {},
                h('label', { for: id(f.option) }, f.label),
                ' ',
                h('input', {
                  id: id(f.option),
                  name: f.option,
                  type: f.kind === 'port' ? 'number' : 'text',
                  min: f.kind === 'port' ? 1 : null,
                  max: f.kind === 'port' ? 65535 : null,
                  required: f.required,
                  placeholder: f.placeholder,
                  autocomplete: 'off',
                }),
              ),
        ),
        h(
          'div',
          {},
          h('label', { for: id('for') }, 'For '),
          h('select', { id: id('for'), name: 'for' }, ...DURATIONS.map((d, i) => h('option', { value: String(i) }, d.label))),
        ),
        formError,
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit' }, 'Enable'),
          h('button', { type: 'button', class: 'quiet', 'data-disable': type }, 'Disable'),
        ),
      );
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const duration = DURATIONS[Number(data.get('for'))]?.ms ?? null;
        formError.hidden = true;
        client
          .enable(backend, type, optionsOf(spec, data), duration === null ? {} : { expiresInMs: duration })
          .then((x) => upsertExposure(x))
          .catch((err: unknown) => {
            formError.textContent = messageOf(err);
            formError.hidden = false;
          });
      });
      (form.querySelector('[data-disable]') as HTMLButtonElement).addEventListener('click', () => {
        formError.hidden = true;
        client
          .disable(backend, type)
          .then((x) => upsertExposure(x))
          .catch((err: unknown) => {
            formError.textContent = messageOf(err);
            formError.hidden = false;
          });
      });
      return h('article', { class: 'card', 'data-exposure': type }, h('h3', {}, spec.title), h('div', { 'data-slot': 'state' }), form);
    }),
  );
  state.cardsFor = backend;
}

function renderExposures(backend: string): void {
  if (state.cardsFor !== backend) buildCards(backend);
  const list = state.exposures.get(backend) ?? [];
  for (const card of byId('exposures').querySelectorAll<HTMLElement>('[data-exposure]')) {
    const x = list.find((e) => e.type === card.dataset.exposure);
    replaceChildren(card.querySelector('[data-slot="state"]') as HTMLElement, [exposureState(x)]);
    const disable = card.querySelector('[data-disable]') as HTMLButtonElement;
    disable.hidden = !x || x.state === 'stopped';
  }
}

function upsertExposure(x: Exposure): void {
  const list = (state.exposures.get(x.backend) ?? []).filter((e) => e.type !== x.type);
  state.exposures.set(x.backend, [...list, x]);
  if (x.backend === state.selected) renderExposures(x.backend);
}

// ---- providers and backends --------------------------------------------------------------

function renderProviders(): void {
  replaceChildren(
    byId('providers'),
    state.providers.map((p) =>
      h(
        'li',
        {},
        h('strong', {}, p.id),
        ' ',
        h('span', { class: `badge ${p.available ? (p.reason ? 'warn' : 'ok') : 'muted'}` }, p.available ? 'available' : 'unavailable'),
        p.version ? ` ${p.version}` : '',
        p.hint ? h('p', { class: 'muted' }, p.hint) : null,
      ),
    ),
  );
}

function renderDiscovered(): void {
  const list = byId('discovered');
  if (state.discovered === null) {
    replaceChildren(list, [h('li', { class: 'muted' }, 'Discovery is off in this daemon.')]);
    return;
  }
  const services = [...state.discovered].sort((a, b) => a.port - b.port);
  if (services.length === 0) {
    replaceChildren(list, [h('li', { class: 'muted' }, 'Nothing else listens on this machine.')]);
    return;
  }
  replaceChildren(
    list,
    services.map((svc) => {
      const adopt = svc.backend
        ? h('span', { class: 'badge ok' }, `backend "${svc.backend}"`)
        : h(
            'button',
            { type: 'button', class: 'quiet', 'data-adopt': svc.port, 'aria-label': `Add as backend: port ${svc.port}` },
            'Add as backend',
          );
      if (adopt instanceof HTMLButtonElement)
        adopt.addEventListener('click', () => {
          client
            .adopt({ port: svc.port })
            .then(async (b) => {
              state.selected = b.name;
              showError(null);
              await loadMeta();
            })
            .catch(showError);
        });
      return h(
        'li',
        { 'data-port': svc.port },
        h('strong', {}, `port ${svc.port}`),
        ` ${svc.app.label}`,
        svc.command ? h('span', { class: 'muted' }, ` — ${svc.command}${svc.pid ? ` (pid ${svc.pid})` : ''}`) : null,
        ` ${svc.bind === 'all-interfaces' ? '' : `(${svc.bind}) `}`,
        adopt,
      );
    }),
  );
}

function renderBackendPicker(): void {
  const select = byId<HTMLSelectElement>('backend');
  replaceChildren(
    select,
    state.backends.map((b) => h('option', { value: b.name, selected: b.name === state.selected }, `${b.name} (port ${b.port})`)),
  );
  byId('endpoints-title').textContent = state.selected ? `Endpoints of "${state.selected}"` : 'Endpoints';
  byId('remove-backend').hidden = state.selected === null;
}

function render(): void {
  renderBackendPicker();
  renderProviders();
  renderDiscovered();
  if (state.selected === null) {
    renderEndpoints(null);
    return;
  }
  renderEndpoints(state.lists.get(state.selected) ?? null);
  renderExposures(state.selected);
}

async function loadMeta(): Promise<void> {
  const [backends, providers, discovered] = await Promise.all([client.backends(), client.providers(), client.discovered()]);
  state.backends = backends;
  state.providers = providers;
  state.discovered = discovered;
  if (state.selected === null || !backends.some((b) => b.name === state.selected)) state.selected = backends[0]?.name ?? null;
  state.cardsFor = null; // providers may have changed what can be enabled
  render();
}

// ---- the event stream --------------------------------------------------------------------

function handle(e: DaemonEvent): void {
  switch (e.event) {
    case 'snapshot':
      state.lists.set(e.data.backend, e.data.list);
      state.exposures.set(e.data.backend, e.data.exposures);
      break;
    case 'endpoints':
      if (!state.backends.some((b) => b.name === e.data.backend)) void loadMeta();
      state.lists.set(e.data.backend, e.data);
      break;
    case 'default': {
      const list = state.lists.get(e.data.backend);
      if (list)
        state.lists.set(e.data.backend, {
          ...list,
          default: e.data.default,
          endpoints: list.endpoints.map((x) => ({ ...x, isDefault: x.id === e.data.default.endpointId })),
        });
      break;
    }
    case 'exposure':
      upsertExposure(e.data);
      return;
    case 'provider':
      state.providers = e.data;
      state.cardsFor = null;
      break;
    case 'discovered':
      state.discovered = e.data.services;
      break;
    case 'reset':
      state.lists.clear();
      state.exposures.clear();
      break;
    default:
      return;
  }
  render();
}

async function stream(): Promise<void> {
  let lastEventId: string | undefined;
  let backoff = 500;
  for (;;) {
    try {
      const events = client.events(lastEventId ? { lastEventId } : {});
      let first = true;
      for await (const e of events) {
        if (first) {
          first = false;
          setConnection('live');
          backoff = 500;
          showError(null);
        }
        if (e.id) lastEventId = e.id;
        handle(e);
      }
    } catch (err) {
      if (err instanceof EndpointdApiError && err.statusCode === 401) {
        loggedOut('This console session has ended. Run `endpoints open` for a new login link.');
        return;
      }
    }
    setConnection('reconnecting…');
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 5_000);
    await loadMeta().catch(() => undefined);
  }
}

// ---- wiring ------------------------------------------------------------------------------

function wire(): void {
  byId<HTMLSelectElement>('backend').addEventListener('change', (event) => {
    state.selected = (event.target as HTMLSelectElement).value;
    state.qrEndpoint = null;
    render();
  });
  byId<HTMLSelectElement>('default-type').addEventListener('change', (event) => {
    const type = (event.target as HTMLSelectElement).value;
    const name = state.selected;
    if (!name) return;
    const done = type === '' ? client.clearDefault(name) : client.setDefault(name, type as Endpoint['type']);
    done.then(() => showError(null), showError);
  });
  byId<HTMLSelectElement>('qr-endpoint').addEventListener('change', (event) => {
    state.qrEndpoint = (event.target as HTMLSelectElement).value || null;
    const list = state.selected ? state.lists.get(state.selected) : null;
    if (list) void renderQr(list);
  });
  const add = byId<HTMLFormElement>('add-backend');
  add.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(add);
    const name = String(data.get('name') ?? '');
    client
      .addBackend({ name, port: Number(data.get('port')) })
      .then(async () => {
        add.reset();
        state.selected = name;
        showError(null);
        await loadMeta();
      })
      .catch(showError);
  });
  byId('remove-backend').addEventListener('click', () => {
    const name = state.selected;
    if (!name || !window.confirm(`Remove the backend "${name}"? Its exposures are stopped.`)) return;
    client
      .removeBackend(name)
      .then(async () => {
        state.lists.delete(name);
        state.selected = null;
        await loadMeta();
      })
      .catch(showError);
  });
  byId('logout').addEventListener('click', () => {
    void fetch('/v1/console/logout', { method: 'POST' }).finally(() =>
      loggedOut('You are logged out. Run `endpoints open` to log in again.'),
    );
  });
  // Time left before an expiry, every second.
  setInterval(() => {
    for (const el of document.querySelectorAll<HTMLElement>('.time-left'))
      el.textContent = `stops in ${timeLeft(el.dataset.expires ?? '')}`;
  }, 1_000);
}

async function start(): Promise<void> {
  wire();
  try {
    await loadMeta();
  } catch (err) {
    if (err instanceof EndpointdApiError && err.statusCode === 401) {
      loggedOut('Open the console with `endpoints open`: it gives you a one-time login link.');
      return;
    }
    showError(err);
  }
  await stream();
}

void start();
