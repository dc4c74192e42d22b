/** One source of trusted addresses: answers whether the address is one of its own. */
export type AddressLookup = (address: string) => boolean | Promise<boolean>;

/**
 * Whether any of the lookups trusts the address. All are asked at once, so
 * their store reads share one round trip (every in-dialog request to a
 * trusted hop asks). A lookup that fails matters only when none says yes: then
 * its error is thrown, and the caller fails closed.
 */
export function trustedByAny(lookups: readonly AddressLookup[]): (address: string) => Promise<boolean> {
  return async (address) => {
    const answers = await Promise.allSettled(lookups.map(async (lookup) => lookup(address)));
    if (answers.some((a) => a.status === 'fulfilled' && a.value)) return true;
    const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) throw failed.reason;
    return false;
  };
}
