// Serve configs the real tailscale CLI produces, as `tailscale serve status --json` prints them
// (json.MarshalIndent of ipn.ServeConfig). Each is copied from the `want` config of a test case in
// tailscale's cmd/tailscale/cli/serve_v2_test.go (TestServeDevConfigMutations, commit de9ec7ee),
// with the case's name and command beside it, the host renamed from foo.test.ts.net to HOST.
// Ones marked "tailscaled" are shapes the daemon keeps beside the CLI's (ipn/serve.go:
// Foreground sessions, Services, AllowFunnel left on a port).

export const HOST = 'devbox.tail-test.ts.net';

export const UPSTREAM_CONFIGS = {
  /** using_port_number: `funnel --bg 3000` (a bare port becomes http://127.0.0.1:3000). */
  using_port_number: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } },
    AllowFunnel: { [`${HOST}:443`]: true },
  },
  /** serve_background: `serve --bg localhost:3000`. */
  serve_background: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:3000' } } } },
  },
  /** http_listener: `serve --bg --http=80 localhost:3000` — a plain-HTTP listener. */
  http_listener: {
    TCP: { 80: { HTTP: true } },
    Web: { [`${HOST}:80`]: { Handlers: { '/': { Proxy: 'http://localhost:3000' } } } },
  },
  /** turn_off_https, step 2: `serve --bg --https=9999 --set-path=/abc http://localhost:3001` beside a root handler. */
  turn_off_https_step2: {
    TCP: { 443: { HTTPS: true }, 9999: { HTTPS: true } },
    Web: {
      [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:3000' } } },
      [`${HOST}:9999`]: { Handlers: { '/abc': { Proxy: 'http://localhost:3001' } } },
    },
  },
  /** two_ports_same_dest: the same target mounted at /foo on 443 and 8443. */
  two_ports_same_dest: {
    TCP: { 443: { HTTPS: true }, 8443: { HTTPS: true } },
    Web: {
      [`${HOST}:443`]: { Handlers: { '/foo': { Proxy: 'http://localhost:3000' } } },
      [`${HOST}:8443`]: { Handlers: { '/foo': { Proxy: 'http://localhost:3000' } } },
    },
  },
  /** path_in_dest: `serve --bg --https=443 http://127.0.0.1:3000/foo/bar`. */
  path_in_dest: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000/foo/bar' } } } },
  },
  /** tcp_shorthand: `serve --tls-terminated-tcp=443 --bg 5432`. */
  tcp_shorthand: {
    TCP: { 443: { TCPForward: '127.0.0.1:5432', TerminateTLS: HOST } },
  },
  /** tcp_off, step 1: `serve --tls-terminated-tcp=443 --bg tcp://localhost:123`. */
  tcp_off_step1: {
    TCP: { 443: { TCPForward: 'localhost:123', TerminateTLS: HOST } },
  },
  /** tcp_forward: the plain form, `serve --tcp=5432 --bg tcp://localhost:5432` (no TerminateTLS). */
  tcp_forward: {
    TCP: { 5432: { TCPForward: 'localhost:5432' } },
  },
  /** combos, step 4: Funnel on 443 for localhost:3000, and on 8443 for /bar → localhost:3001. */
  combos_step4: {
    AllowFunnel: { [`${HOST}:443`]: true, [`${HOST}:8443`]: true },
    TCP: { 443: { HTTPS: true }, 8443: { HTTPS: true } },
    Web: {
      [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:3000' } } },
      [`${HOST}:8443`]: { Handlers: { '/bar': { Proxy: 'http://localhost:3001' } } },
    },
  },
  /** combos, step 3: Funnel on 443 (step 2), then `serve --bg --https=8443 --set-path=/bar localhost:3001`, tailnet-only. */
  combos_step3: {
    AllowFunnel: { [`${HOST}:443`]: true },
    TCP: { 443: { HTTPS: true }, 8443: { HTTPS: true } },
    Web: {
      [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://localhost:3000' } } },
      [`${HOST}:8443`]: { Handlers: { '/bar': { Proxy: 'http://localhost:3001' } } },
    },
  },
  /** ip_host: `serve --https=443 --bg http://192.168.1.1:3000` — another machine, not this backend. */
  ip_host: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://192.168.1.1:3000' } } } },
  },
  /** https_insecure: `serve --bg --https=443 https+insecure://127.0.0.1:3001`. */
  https_insecure: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'https+insecure://127.0.0.1:3001' } } } },
  },
  /** ipn/serve.go ExpandProxyTargetValue: `serve --bg http://[::1]:3000` is stored without brackets. */
  ipv6_loopback: {
    TCP: { 443: { HTTPS: true } },
    Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://::1:3000' } } } },
  },
  /** tailscaled: a `tailscale serve 3000` running in a terminal (no --bg): a Foreground session. */
  foreground_session: {
    Foreground: {
      '4c2f1a': {
        TCP: { 443: { HTTPS: true } },
        Web: { [`${HOST}:443`]: { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } },
      },
    },
  },
  /** advertise_service / TestServeDevConfigMutations service cases: `serve --service=svc:app --bg 3000`. */
  service: {
    Services: {
      'svc:app': {
        TCP: { 443: { HTTPS: true } },
        Web: { 'app.tail-test.ts.net:443': { Handlers: { '/': { Proxy: 'http://127.0.0.1:3000' } } } },
      },
    },
  },
  /** tailscaled: Funnel left on for a port whose handlers are gone (printFunnelWarning's case). */
  stale_funnel_flag: {
    AllowFunnel: { [`${HOST}:443`]: true },
  },
} as const;
