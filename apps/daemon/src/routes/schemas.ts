import { ApiError, BackendName } from '@endpointd/core';
import * as z from 'zod';

/** Path parameters shared by the backend routes. */
export const BackendParams = z.object({ name: BackendName });

/** The error answers every route may give, for OpenAPI. */
export const ERROR_RESPONSES = {
  400: ApiError,
  401: ApiError,
  403: ApiError,
  404: ApiError,
  409: ApiError,
  502: ApiError,
  503: ApiError,
} as const;

export const SECURITY = [{ bearer: [] }];
