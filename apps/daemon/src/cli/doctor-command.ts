import { DaemonUnreachableError } from '@endpointd/client';
import type { Endpoint } from '@endpointd/core';
import { describeClientReports } from './client-reports.js';
import { createPalette, type Palette } from './colors.js';
import { connect } from './daemon-session.js';
import { parseOptions } from './parse-options.js';
import { EXIT_FAILED, EXIT_OK } from './usage-error.js';

export const DOCTOR_HELP = `Usage: endpoints doctor [--backend NAME] [--json]

Explains, provider by provider and endpoint by endpoint, what works and what to do about what
does not.
`;

function endpointLine(e: Endpoint, p: Palette): string {
  const mark =
    e.status === 'verified'
      ? e.reports?.allFailed
        ? p.yellow('!')
        : p.green('✓')
      : e.status === 'unverified' || e.status === 'checking'
        ? p.dim('?')
        : p.red('✗');
  const tail =
    e.status === 'verified'
      ? e.verification.hint
        ? ` — ${e.verification.hint}`
        : ''
      : ` — ${e.verification.hint ?? e.verification.error ?? e.status}`;
  const reports = describeClientReports(e);
  return `  ${mark} ${e.type.padEnd(18)} ${e.url} ${p.dim(e.status)}${tail}${reports ? ` — ${reports}` : ''}`;
}

/** `endpoints doctor`. */
export async function runDoctor(args: string[], out: NodeJS.WriteStream): Promise<number> {
  const { values } = parseOptions('doctor', args, { backend: { type: 'string' }, json: { type: 'boolean' } });
  if (values.help) {
    out.write(DOCTOR_HELP);
    return EXIT_OK;
  }
  const p = createPalette(out);
  const client = await connect();
  const health = await client.health().catch((err: unknown) => {
    if (err instanceof DaemonUnreachableError) return null;
    throw err;
  });
  if (!health) throw new DaemonUnreachableError(client.baseUrl);
  const [providers, backends] = await Promise.all([client.providers(), client.backends()]);
  const chosen = values.backend ? backends.filter((b) => b.name === values.backend) : backends;
  if (values.backend && chosen.length === 0) {
    await client.endpoints(values.backend); // answers 404 with the known names
  }
  const reports = await Promise.all(
    chosen.map(async (b) => ({ backend: b, list: await client.endpoints(b.name), exposures: await client.exposures(b.name) })),
  );
  if (values.json) {
    out.write(`${JSON.stringify({ health, providers, backends: reports }, null, 2)}\n`);
    return EXIT_OK;
  }
  const lines: string[] = [];
  lines.push(
    `${p.bold(`endpointd ${health.version}`)} (pid ${health.pid}, up ${Math.round(health.uptimeMs / 1000)} s) at ${client.baseUrl}`,
  );
  for (const problem of health.problems) lines.push(p.yellow(`  ! ${problem.message}${problem.hint ? ` — ${problem.hint}` : ''}`));
  lines.push('', p.bold('Providers'));
  for (const pr of providers) {
    const what = pr.available ? p.green('ok') : p.red(`unavailable (${pr.reason ?? 'unknown'})`);
    // An available provider can still carry its last error (a tunnel that failed): show it too.
    const last = pr.available && pr.reason ? `, last error ${pr.reason}` : '';
    lines.push(`  ${pr.id.padEnd(14)} ${what}${pr.version ? ` ${pr.version}` : ''}${last}${pr.hint ? ` — ${pr.hint}` : ''}`);
  }
  if (reports.length === 0) lines.push('', 'No backends: add one with `endpoints backends add NAME --port N`.');
  for (const { backend, list, exposures } of reports) {
    lines.push('', p.bold(`Backend "${backend.name}" (port ${backend.port})`));
    if (list.notice) lines.push(p.yellow(`  ! ${list.notice.hint}`));
    else if (list.listen) lines.push(`  listening on ${list.listen.addresses.join(', ')}`);
    for (const e of list.endpoints) lines.push(endpointLine(e, p));
    for (const x of exposures)
      lines.push(`  exposure ${x.type}: ${x.state}${x.error ? ` — ${x.error}` : ''}${x.hint ? ` — ${x.hint}` : ''}`);
    const d = list.default;
    lines.push(`  default: ${d.type ?? 'none'} — ${d.why}`);
  }
  const broken = reports.some(
    (r) => !r.list.endpoints.some((e) => e.status === 'verified' && e.type !== 'loopback' && !e.reports?.allFailed),
  );
  lines.push(
    '',
    broken
      ? p.yellow('Some backends cannot be reached from other devices yet: see the hints above.')
      : p.green('Every backend has a verified endpoint other devices can use.'),
  );
  out.write(`${lines.join('\n')}\n`);
  return broken ? EXIT_FAILED : EXIT_OK;
}
