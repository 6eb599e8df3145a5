import { describe, expect, it } from 'vitest';
import { PrincipalCache } from './principal-cache.js';

const principal = (tenantId: string, tokenExpiresAt: Date | null = null) => ({
  tenantId,
  tokenExpiresAt,
});

function listeningCache(ttlMs = 30_000) {
  const cache = new PrincipalCache<ReturnType<typeof principal>>(ttlMs);
  cache.setListening(true);
  return cache;
}

describe('PrincipalCache', () => {
  it('keeps a principal for its time to live, or until its token expires if sooner', () => {
    const cache = listeningCache(1000);
    const a = principal('tenant-a');
    cache.set('hash-a', a, cache.generation('tenant-a'), 0);
    expect(cache.get('hash-a', 999)).toBe(a);
    expect(cache.get('hash-a', 1000)).toBeUndefined();

    const expiring = principal('tenant-a', new Date(500));
    cache.set('hash-b', expiring, cache.generation('tenant-a'), 0);
    expect(cache.get('hash-b', 499)).toBe(expiring);
    expect(cache.get('hash-b', 500)).toBeUndefined();
  });

  it("forgets one tenant's principals and keeps the others'", () => {
    const cache = listeningCache();
    cache.set('hash-a', principal('tenant-a'), cache.generation('tenant-a'));
    cache.set('hash-b', principal('tenant-b'), cache.generation('tenant-b'));
    cache.forgetTenant('tenant-a');
    expect(cache.get('hash-a')).toBeUndefined();
    expect(cache.get('hash-b')).toBeDefined();
  });

  it('does not cache a lookup that began before its tenant was invalidated', () => {
    const cache = listeningCache();
    const before = cache.generation('tenant-a');
    cache.forgetTenant('tenant-a');
    cache.set('hash-a', principal('tenant-a'), before);
    expect(cache.get('hash-a')).toBeUndefined();
  });

  it('caches nothing while invalidations are not heard, nor a lookup begun before they were', () => {
    const cache = new PrincipalCache<ReturnType<typeof principal>>(30_000);
    cache.set('hash-a', principal('tenant-a'), cache.generation('tenant-a'));
    expect(cache.get('hash-a')).toBeUndefined();

    const begun = cache.generation('tenant-a');
    cache.setListening(true);
    cache.set('hash-a', principal('tenant-a'), begun);
    expect(cache.get('hash-a')).toBeUndefined();

    cache.set('hash-a', principal('tenant-a'), cache.generation('tenant-a'));
    expect(cache.get('hash-a')).toBeDefined();
    cache.setListening(false);
    expect(cache.get('hash-a')).toBeUndefined();
  });

  it('caches nothing with a time to live of zero', () => {
    const cache = listeningCache(0);
    cache.set('hash-a', principal('tenant-a'), cache.generation('tenant-a'));
    expect(cache.get('hash-a')).toBeUndefined();
  });

  it('drops the oldest entry when full', () => {
    const cache = new PrincipalCache<ReturnType<typeof principal>>(30_000, 2);
    cache.setListening(true);
    for (const key of ['one', 'two', 'three']) {
      cache.set(key, principal('tenant-a'), cache.generation('tenant-a'));
    }
    expect(cache.get('one')).toBeUndefined();
    expect(cache.get('two')).toBeDefined();
    expect(cache.get('three')).toBeDefined();
  });
});
