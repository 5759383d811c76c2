import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ownedCommand } from './owned-command.js';
import { isProcessAlive } from './pid-files.js';

describe('children die with their owner, even on SIGKILL (issue 9.3)', () => {
  it.runIf(process.platform === 'linux')('kills a hanging tool when the process that started it is SIGKILLed', async () => {
    // The owner (standing in for the daemon) starts a tool that hangs, as `tailscale status` can.
    const [file, args] = ownedCommand(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    expect(file).toMatch(/setpriv$/); // Debian's util-linux: installed everywhere the tests run
    const owner = spawn(
      process.execPath,
      [
        '-e',
        `const c = require('node:child_process').spawn(${JSON.stringify(file)}, ${JSON.stringify(args)}, { stdio: 'ignore' });
         console.log(c.pid); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const toolPid = await new Promise<number>((resolve) => owner.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim()))));
    await expect.poll(() => readFileSync(`/proc/${toolPid}/cmdline`, 'utf8').includes('setInterval')).toBe(true); // exec'd
    owner.kill('SIGKILL');
    await expect.poll(() => isProcessAlive(toolPid), { timeout: 5_000 }).toBe(false);
  });
});
