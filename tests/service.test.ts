import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DAEMON_BIN, tempHome } from './helpers/daemon.js';

describe('endpointd service install|uninstall', () => {
  it('writes a systemd user unit that runs endpointd with the given options, and removes it', async () => {
    const config = tempHome();
    const env = { XDG_CONFIG_HOME: config, ENDPOINTD_HOME: join(config, 'home') };
    const install = await execa(process.execPath, [DAEMON_BIN, 'service', 'install', '--backend', 'app=3000'], { env });
    const unit = join(config, 'systemd', 'user', 'endpointd.service');
    expect(install.stdout).toContain(`Wrote ${unit}`);
    expect(install.stdout).toMatch(/systemctl --user daemon-reload && systemctl --user enable --now endpointd/);
    const text = readFileSync(unit, 'utf8');
    expect(text).toContain(`ExecStart="${process.execPath}" "${DAEMON_BIN}" "--backend" "app=3000"`);
    expect(text).toContain(`Environment="ENDPOINTD_HOME=${env.ENDPOINTD_HOME}"`);
    expect(text).toMatch(/Restart=on-failure/);
    const uninstall = await execa(process.execPath, [DAEMON_BIN, 'service', 'uninstall'], { env });
    expect(uninstall.stdout).toContain(`Removed ${unit}`);
    expect(existsSync(unit)).toBe(false);
  });
  it('rejects an unknown action with exit 2', async () => {
    const r = await execa(process.execPath, [DAEMON_BIN, 'service', 'start'], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/unknown service action "start"/);
  });
});
