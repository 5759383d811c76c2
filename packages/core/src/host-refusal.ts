// Dev servers refuse requests whose Host header they do not know (DNS-rebinding protection): a
// tunnel's or proxy's name gets a refusal page instead of the app. That is neither another server
// (wrong-backend) nor this backend working: it is a setting to change, named here.

/** What each server answers, and the setting that lets a host name in. */
const REFUSALS: ReadonlyArray<{ server: string; body: RegExp; setting: string }> = [
  // vite/dist/node/chunks/node.js (hostValidationMiddleware): 403 "Blocked request. This host (…) is not allowed."
  {
    server: 'Vite',
    body: /^Blocked request\. This host \(.*\) is not allowed/,
    setting: 'server.allowedHosts (preview.allowedHosts for vite preview)',
  },
  // webpack-dev-server (checkHeader): "Invalid Host header"; Angular's ng serve runs it.
  {
    server: 'webpack-dev-server',
    body: /^Invalid Host\/?Origin header|^Invalid Host header/,
    setting: 'devServer.allowedHosts (ng serve: --allowed-hosts)',
  },
];

/** The server and setting when an answer is a Host-header refusal, else null. */
export function hostRefusal(status: number, body: Buffer): { server: string; setting: string } | null {
  if (status < 400 || status >= 500 || body.length > 4_096) return null;
  const text = body.toString('utf8').trim();
  const hit = REFUSALS.find((r) => r.body.test(text));
  return hit ? { server: hit.server, setting: hit.setting } : null;
}
