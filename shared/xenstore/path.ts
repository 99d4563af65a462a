/** XENSTORE_REL_PATH_MAX: xenstored's limit on a path below its domain's home (see `pathIsWithinLimit`). */
export const XS_REL_PATH_MAX = 2048;

const ALLOWED_CHARACTERS = /^[A-Za-z0-9/_@-]*$/;
const DOMAIN_HOME_PREFIX = /^\/local\/domain\/\d{1,5}\//;

export interface ResolvedPath {
  /** The canonical path: absolute, or a special `@...` name. */
  readonly absolute: string;
  /** The domain home a relative request was resolved under; undefined for absolute requests. */
  readonly relativeTo: string | undefined;
}

/** The home of a domain, where its relative paths resolve: /local/domain/<domid>. */
export function domainPath(domid: number): string {
  return `/local/domain/${domid}`;
}

export function isSpecialPath(path: string): boolean {
  return path.startsWith('@');
}

/**
 * Canonicalises a requested path as xenstored does: only [A-Za-z0-9/_@-]; relative paths resolve
 * under the caller's /local/domain/<domid>; `@...` only where special paths are allowed; no "//",
 * no trailing "/" except the root; and at most XENSTORE_REL_PATH_MAX characters below
 * /local/domain/<N>/ (or in total elsewhere, which keeps every path under XENSTORE_ABS_PATH_MAX).
 * Returns undefined for an invalid path (the caller answers EINVAL).
 */
export function resolvePath(requested: string, callerDomid: number, allowSpecial: boolean): ResolvedPath | undefined {
  if (!ALLOWED_CHARACTERS.test(requested)) return undefined;
  if (isSpecialPath(requested) && !allowSpecial) return undefined;
  const relative = !requested.startsWith('/') && !isSpecialPath(requested);
  const home = domainPath(callerDomid);
  const absolute = relative ? `${home}/${requested}` : requested;
  if (absolute.includes('//') || (absolute.endsWith('/') && absolute !== '/')) return undefined;
  if (!pathIsWithinLimit(absolute)) return undefined;
  return { absolute, relativeTo: relative ? home : undefined };
}

function pathIsWithinLimit(path: string): boolean {
  const homePrefix = DOMAIN_HOME_PREFIX.exec(path)?.[0].length ?? 0;
  return path.length - homePrefix <= XS_REL_PATH_MAX;
}

/** The parent of a non-root path; "/" for a top-level node. */
export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** True when `path` is `ancestor` or lies below it; every absolute path lies below "/". */
export function isSameOrBelow(path: string, ancestor: string): boolean {
  if (ancestor === '/') return path.startsWith('/');
  return path === ancestor || path.startsWith(`${ancestor}/`);
}
