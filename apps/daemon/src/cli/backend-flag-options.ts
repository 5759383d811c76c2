// Kept apart from backend-flags.ts (which needs core's schemas): `list` parses these before it
// knows whether it needs them, and should not load the schemas to do so.

/** The flags that describe a backend, shared by `list --port` and `backends add`. */
export const BACKEND_FLAG_OPTIONS = {
  'probe-path': { type: 'string' },
  identity: { type: 'string' },
  websocket: { type: 'string' },
  custom: { type: 'string', multiple: true },
} as const;

export const BACKEND_FLAG_HELP = `  --probe-path P      path to GET when verifying (default: /)
  --identity SPEC     fingerprint (default) | none | header:NAME[=VALUE] | json-field:/PATH#FIELD
  --websocket PATH    also check a WebSocket upgrade at PATH
  --custom URL        also verify this URL (e.g. a reverse proxy) as a custom endpoint (repeatable)
`;
