// @peculiar/x509 registers its algorithms through tsyringe, which refuses to load unless the Reflect
// metadata API exists. tsyringe only stores and reads plain values, so this WeakMap-backed subset of
// the `reflect-metadata` API is enough and spares a dependency. It never replaces a real polyfill.
type PropertyKeyOrNone = string | symbol | undefined;
type MetadataByKey = Map<unknown, unknown>;

const metadataByTarget = new WeakMap<object, Map<PropertyKeyOrNone, MetadataByKey>>();

function ownMetadata(
  target: object,
  property: PropertyKeyOrNone,
  create: boolean,
): MetadataByKey | undefined {
  let byProperty = metadataByTarget.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    metadataByTarget.set(target, byProperty);
  }
  let byKey = byProperty.get(property);
  if (!byKey && create) {
    byKey = new Map();
    byProperty.set(property, byKey);
  }
  return byKey;
}

function defineMetadata(key: unknown, value: unknown, target: object, property?: string | symbol): void {
  ownMetadata(target, property, true)?.set(key, value);
}

function hasOwnMetadata(key: unknown, target: object, property?: string | symbol): boolean {
  return ownMetadata(target, property, false)?.has(key) ?? false;
}

function getOwnMetadata(key: unknown, target: object, property?: string | symbol): unknown {
  return ownMetadata(target, property, false)?.get(key);
}

/** Like reflect-metadata: looks up the prototype chain. */
function getMetadata(key: unknown, target: object, property?: string | symbol): unknown {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
    if (hasOwnMetadata(key, t, property)) return getOwnMetadata(key, t, property);
  }
  return undefined;
}

function hasMetadata(key: unknown, target: object, property?: string | symbol): boolean {
  for (let t: object | null = target; t; t = Object.getPrototypeOf(t)) {
    if (hasOwnMetadata(key, t, property)) return true;
  }
  return false;
}

/** Decorator factory used by tslib's __metadata helper. */
function metadata(key: unknown, value: unknown) {
  return (target: object, property?: string | symbol) => defineMetadata(key, value, target, property);
}

const reflect = Reflect as unknown as Record<string, unknown>;
const api: Record<string, unknown> = {
  defineMetadata,
  hasOwnMetadata,
  getOwnMetadata,
  getMetadata,
  hasMetadata,
  metadata,
};
for (const [name, fn] of Object.entries(api)) {
  if (typeof reflect[name] !== "function") reflect[name] = fn;
}
