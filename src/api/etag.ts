import { createHash } from 'node:crypto';
import { conflict, preconditionRequired } from './errors.js';

/**
 * ETags are a hash of a resource's current representation: any change by
 * anyone changes it. Writers must send If-Match with the ETag they read, so a
 * concurrent change is refused (412) instead of silently overwritten.
 */
export function etagOf(value: unknown): string {
  return `"${createHash('sha256')
    .update(JSON.stringify(value ?? null))
    .digest('base64url')
    .slice(0, 22)}"`;
}

/** Throws 428 without If-Match and 412 when it does not match the current representation. */
export function checkIfMatch(ifMatch: string | undefined, current: unknown): void {
  if (!ifMatch) throw preconditionRequired();
  if (
    ifMatch.trim() !== '*' &&
    !ifMatch
      .split(',')
      .map((e) => e.trim().replace(/^W\//, ''))
      .includes(etagOf(current))
  )
    throw conflict();
}
