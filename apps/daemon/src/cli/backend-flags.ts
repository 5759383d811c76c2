import { Backend, type BackendInput, CustomUrl, formatZodError, parseIdentitySpec } from '@endpointd/core';
import type * as z from 'zod';
import { UsageError } from './usage-error.js';

export { BACKEND_FLAG_HELP, BACKEND_FLAG_OPTIONS } from './backend-flag-options.js';

/** Backend fields as the flags that set them. */
const FLAG_OF_FIELD: Readonly<Record<string, string>> = {
  name: 'NAME',
  port: '--port',
  probePath: '--probe-path',
  websocketPath: '--websocket',
  identity: '--identity',
  customUrls: '--custom',
};

/** Turns zod issues into one line, in the CLI's terms (flags, not field names). */
export function zodMessage(error: z.ZodError): string {
  return formatZodError(error, (path) => (path[0] === undefined ? null : (FLAG_OF_FIELD[path[0]] ?? path.join('.'))));
}

interface BackendFlagValues {
  'probe-path'?: string | undefined;
  identity?: string | undefined;
  websocket?: string | undefined;
  custom?: string[] | undefined;
}

/** Builds and validates a backend from a name, a port and the backend flags. */
export function backendFromFlags(command: string, name: string, port: number, values: BackendFlagValues): Backend {
  const input: BackendInput = { name, port };
  if (values['probe-path'] !== undefined) input.probePath = values['probe-path'];
  if (values.websocket !== undefined) input.websocketPath = values.websocket;
  if (values.identity !== undefined) {
    const parsed = parseIdentitySpec(values.identity);
    if (!parsed.success) throw new UsageError(`--identity ${values.identity}: ${zodMessage(parsed.error)}`, command);
    input.identity = parsed.data;
  }
  if (values.custom) {
    input.customUrls = values.custom.map((url) => {
      const parsed = CustomUrl.safeParse({ url });
      if (!parsed.success) throw new UsageError(`--custom ${url}: ${zodMessage(parsed.error)}`, command);
      return parsed.data;
    });
  }
  const backend = Backend.safeParse(input);
  if (!backend.success) throw new UsageError(zodMessage(backend.error), command);
  return backend.data;
}
