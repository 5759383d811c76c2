import { lstatSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import * as z from 'zod';

/**
 * An option that names a file a provider reads (a token, credentials): an absolute path to an
 * existing regular file — not a link, which could be swapped for another file, nor a folder.
 */
export const ExistingFile = (what: string) =>
  z
    .string()
    .min(1)
    .refine(isAbsolute, `${what} must be an absolute path`)
    .refine((p) => {
      try {
        return lstatSync(p).isFile();
      } catch {
        return false;
      }
    }, `${what} must name an existing regular file (not a link or a folder)`);
