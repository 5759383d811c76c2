import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Where `name` would be run from: itself when it is a path, else the first executable match on
 * PATH; null when there is none. A few stat calls: cheaper than spawning to find out it is absent.
 */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const isRunnable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (name.includes('/') || isAbsolute(name)) return isRunnable(name) ? name : null;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isRunnable(join(dir, name))) return join(dir, name);
  }
  return null;
}
