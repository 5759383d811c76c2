import type { DaemonEvent } from '@endpointd/client';

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** One human line per daemon event, for `endpoints watch`. */
export function formatEvent(e: DaemonEvent): string {
  switch (e.event) {
    case 'endpoints': {
      const list = e.data;
      const counts = new Map<string, number>();
      for (const ep of list.endpoints) counts.set(ep.status, (counts.get(ep.status) ?? 0) + 1);
      const chosen = list.endpoints.find((ep) => ep.isDefault);
      const summary = [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'no endpoints';
      return `${time()} endpoints ${list.backend}: ${summary}; default ${chosen ? `${chosen.url} (${chosen.type})` : 'none'}`;
    }
    case 'default':
      return `${time()} default ${e.data.backend}: ${e.data.default.type ?? 'none'}${e.data.default.fallback ? ` (fallback: ${e.data.default.why})` : ''} — ${e.data.why}`;
    case 'exposure': {
      const x = e.data;
      const detail =
        x.state === 'active'
          ? ` ${x.endpoint?.url ?? ''}`
          : x.state === 'needs-approval'
            ? ` approve at ${x.approvalUrl ?? '?'}`
            : x.error
              ? ` ${x.error}`
              : '';
      return `${time()} exposure ${x.backend} ${x.type}: ${x.state}${detail}`;
    }
    case 'provider':
      return `${time()} providers: ${e.data.map((p) => `${p.id} ${p.available ? 'ok' : `unavailable (${p.reason})`}`).join(', ')}`;
    case 'snapshot': {
      const { backend, list, exposures } = e.data;
      const chosen = list?.endpoints.find((ep) => ep.isDefault);
      const verified = list?.endpoints.filter((ep) => ep.status === 'verified').length ?? 0;
      const state = list
        ? `${verified} of ${list.endpoints.length} verified; default ${chosen ? `${chosen.url} (${chosen.type})` : 'none'}`
        : 'not verified yet';
      const exp = exposures.map((x) => `${x.type} ${x.state}`).join(', ');
      return `${time()} now ${backend}: ${state}${exp ? `; exposures: ${exp}` : ''}`;
    }
    case 'reset':
      return `${time()} (missed events could not be replayed: ${e.data.reason}; the current state follows)`;
    case 'discovered':
      return `${time()} discovered: ${e.data.services.map((s) => `${s.port} ${s.app.label}`).join(', ') || 'nothing listening'}`;
  }
}
