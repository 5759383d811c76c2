// An endpointd provider plugin: proposes endpoints from a static list, e.g. the URLs of a
// reverse proxy or a VPN name you run yourself. endpointd verifies and classifies them like any
// other endpoint. Load it from the daemon's config:
//   { "plugins": [{ "module": "./provider-static/index.mjs",
//                   "options": { "urls": ["https://dash.example.com/", "http://{host}:{port}/"] } }] }
// "{port}" is replaced by the backend's port, "{host}" by this machine's hostname.
import { hostname } from 'node:os';

/** @param {{ id?: string, urls?: string[], label?: string }} options */
export default function createStaticProvider(options = {}) {
  const urls = options.urls ?? [];
  return {
    id: options.id ?? 'static',
    types: ['custom'],
    async discover({ backend }) {
      return {
        candidates: urls.map((template) => {
          const url = template.replaceAll('{port}', String(backend.port)).replaceAll('{host}', hostname());
          return { type: 'custom', url, label: options.label ?? `Static (${new URL(url).host})` };
        }),
      };
    },
  };
}
