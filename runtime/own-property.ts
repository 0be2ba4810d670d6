/**
 * Maps keyed by client-chosen names (user metadata, header-prefix maps) are plain objects, and a
 * plain assignment `o["__proto__"] = v` sets the object's prototype instead of storing an entry:
 * `x-amz-meta-__proto__` would vanish. Every such map is written through `setOwn`, which always
 * makes an own, enumerable property (as JSON.parse and Object.fromEntries do).
 */
export function setOwn(o: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}
