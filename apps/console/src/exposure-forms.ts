import type { ExposureType } from '@endpointd/client';

/** One option field of an exposure form: the provider's option name, as the CLI flag maps to it. */
export interface Field {
  option: string;
  label: string;
  kind: 'text' | 'port' | 'confirm';
  required?: boolean;
  placeholder?: string;
  help?: string;
}

export interface ExposureForm {
  title: string;
  fields: Field[];
  /** Shown above the fields. */
  note?: string;
}

/** What each exposure needs, as `endpoints enable TYPE --help` lists it. */
export const EXPOSURE_FORMS: Readonly<Record<ExposureType, ExposureForm>> = {
  'tailscale-serve': {
    title: 'Tailscale Serve (HTTPS in your tailnet)',
    fields: [{ option: 'httpsPort', label: 'HTTPS port', kind: 'port', placeholder: '443' }],
  },
  'tailscale-funnel': {
    title: 'Tailscale Funnel (public HTTPS)',
    note: 'Funnel puts the backend on the public internet: anyone with the URL can reach it.',
    fields: [
      { option: 'httpsPort', label: 'HTTPS port', kind: 'port', placeholder: '443' },
      { option: 'confirmPublic', label: 'I understand this makes the backend public on the internet', kind: 'confirm', required: true },
    ],
  },
  'cloudflare-quick': {
    title: 'Cloudflare quick tunnel',
    note: 'A random *.trycloudflare.com URL, new at every start; public.',
    fields: [],
  },
  'cloudflare-named': {
    title: 'Cloudflare named tunnel',
    note: 'Give a token file, or a credentials file with the tunnel id and hostname.',
    fields: [
      { option: 'tokenFile', label: 'Token file (absolute path)', kind: 'text', placeholder: '/home/me/.cloudflared/app.token' },
      { option: 'credentialsFile', label: 'Credentials file (absolute path)', kind: 'text' },
      { option: 'tunnelId', label: 'Tunnel id', kind: 'text' },
      { option: 'hostname', label: 'Hostname', kind: 'text', placeholder: 'app.example.com' },
    ],
  },
  'ssh-reverse': {
    title: 'SSH reverse forward',
    fields: [
      { option: 'host', label: 'Server ([user@]host)', kind: 'text', required: true, placeholder: 'me@vps.example.com' },
      { option: 'remotePort', label: 'Remote port', kind: 'port' },
      { option: 'publicUrl', label: 'Public URL in front of it', kind: 'text' },
    ],
  },
  relay: {
    title: 'endpointd-relay',
    fields: [
      { option: 'relayUrl', label: 'Relay URL', kind: 'text', required: true, placeholder: 'https://relay.example.com' },
      { option: 'tokenFile', label: 'Token file (absolute path)', kind: 'text', required: true },
      { option: 'name', label: 'Name', kind: 'text' },
    ],
  },
};

/** "For how long" choices: the daemon stops the exposure when the time is up. */
export const DURATIONS: ReadonlyArray<{ label: string; ms: number | null }> = [
  { label: 'until I disable it', ms: null },
  { label: '1 hour', ms: 3_600_000 },
  { label: '8 hours', ms: 8 * 3_600_000 },
];

/** The options object of a submitted form: empty fields left out, ports as numbers. */
export function optionsOf(form: ExposureForm, data: FormData): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const f of form.fields) {
    const raw = data.get(f.option);
    if (f.kind === 'confirm') {
      if (raw === 'on') options[f.option] = true;
      continue;
    }
    const value = typeof raw === 'string' ? raw.trim() : '';
    if (value === '') continue;
    options[f.option] = f.kind === 'port' ? Number(value) : value;
  }
  return options;
}

/** "1 h 5 min", "4 min 2 s": what is left before an expiry. */
export function timeLeft(expiresAt: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((Date.parse(expiresAt) - now) / 1000));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${s % 60} s`;
  return `${s} s`;
}
