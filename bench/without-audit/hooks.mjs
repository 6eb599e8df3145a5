const AUDIT_WRITER = /\/src\/platform\/audit\/record-audit\.ts$/;
const STAND_IN = new URL('./record-audit.ts', import.meta.url).href;

/** Every import of the audit writer resolves to the stand-in, except the stand-in's own. */
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  return AUDIT_WRITER.test(resolved.url) && context.parentURL !== STAND_IN
    ? { ...resolved, url: STAND_IN }
    : resolved;
}
