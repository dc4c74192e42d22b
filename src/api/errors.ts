/**
 * Errors the management API answers with, as `{ error, message, issues? }`.
 * `issues` name each offending field, e.g. `forwarding.ringTime: must be between 5 and 30`.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: string[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, issues?: string[]) => new ApiError(400, 'bad_request', message, issues);
export const unauthorized = (message = 'log in first') => new ApiError(401, 'unauthorized', message);
export const forbidden = (message = 'not allowed for your role') => new ApiError(403, 'forbidden', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
/** Someone else changed it since you read it (the ETag you sent is stale). */
export const conflict = (message = 'changed by someone else since you read it; read it again') => new ApiError(412, 'precondition_failed', message);
export const preconditionRequired = () =>
  new ApiError(428, 'precondition_required', 'send If-Match with the ETag you read, so a concurrent change is not overwritten');
export const locked = (message: string) => new ApiError(423, 'locked', message);
