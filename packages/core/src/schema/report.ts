import * as z from 'zod';

/**
 * Why a client device could not use an endpoint, as far as it can tell (a browser only sees
 * "network error" or a timeout; a native or Node client can tell more).
 */
export const ReportFailure = z.enum(['timeout', 'refused', 'dns', 'tls', 'network', 'http-error', 'wrong-backend']);
export type ReportFailure = z.infer<typeof ReportFailure>;

/** What one client device got when it tried one endpoint. */
export const ClientReportResult = z
  .object({
    /** The endpoint's id, from the list the client was given. */
    endpointId: z.string().min(1).max(64),
    ok: z.boolean(),
    /** Present when ok is false. */
    failure: ReportFailure.optional(),
    /** Time to the answer on the client, when it got one. */
    latencyMs: z.number().nonnegative().max(600_000).nullable().optional(),
  })
  .strict();
export type ClientReportResult = z.infer<typeof ClientReportResult>;

/** `POST /v1/backends/:name/reports`: what a GUI's backend forwards from one of its client devices. */
export const ClientReport = z
  .object({
    client: z
      .object({
        /** Stable per device (a random id the app keeps), letters, digits and . _ : - only. */
        id: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, { error: 'must be 1 to 64 letters, digits, or . _ : -' }),
        /** Shown to the user ("Pixel 8", "Work laptop"). */
        label: z.string().min(1).max(80).optional(),
      })
      .strict(),
    results: z.array(ClientReportResult).min(1).max(64),
  })
  .strict();
export type ClientReport = z.infer<typeof ClientReport>;

/** The answer to a report. */
export const ReportAccepted = z.object({
  /** Results kept. */
  accepted: z.number().int(),
  /** Endpoint ids the backend does not list (now): not kept. */
  ignored: z.array(z.string()),
  /** How long a result counts, in ms. */
  expiresInMs: z.number().int(),
});
export type ReportAccepted = z.infer<typeof ReportAccepted>;

/** One device's latest result for an endpoint. */
export const ClientOutcome = z.object({
  clientId: z.string(),
  label: z.string().nullable(),
  ok: z.boolean(),
  failure: ReportFailure.nullable(),
  latencyMs: z.number().nullable(),
  /** ISO time the daemon received it. */
  at: z.string(),
});
export type ClientOutcome = z.infer<typeof ClientOutcome>;

/** What client devices recently reported for one endpoint (reports expire; newest first). */
export const EndpointReports = z.object({
  clients: z.array(ClientOutcome),
  /** Devices whose latest result was ok. */
  reached: z.number().int(),
  /** Devices whose latest result was a failure. */
  failed: z.number().int(),
  /** Every device that reported recently failed: ranked after the others for the default. */
  allFailed: z.boolean(),
});
export type EndpointReports = z.infer<typeof EndpointReports>;
