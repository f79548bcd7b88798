/**
 * A registry of component types (processor types, resource types) by name.
 * It is built from an explicit list — nothing registers itself by import side
 * effect — and never changes: `with()` makes a new registry with more types,
 * like Redpanda Connect's `service.NewEnvironment()`, so a test or an
 * application adds its own types without touching the built-in list.
 */
import { AuraError, ErrorCodes } from './errors.js';

export class ComponentRegistry<T extends { readonly type: string }> {
  private readonly byType = new Map<string, T>();

  /** `kind` names the components in errors (`processor type`, `resource type`). */
  constructor(
    readonly kind: string,
    components: readonly T[],
  ) {
    for (const component of components) {
      if (this.byType.has(component.type)) throw new AuraError(ErrorCodes.CONFIG_INVALID, `${kind} "${component.type}" is registered twice`);
      this.byType.set(component.type, component);
    }
  }

  get(type: string): T | undefined {
    return this.byType.get(type);
  }

  /** Every component, in the order listed (the order of the docs and the editor schema). */
  all(): T[] {
    return [...this.byType.values()];
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /** A new registry: these components and `more` (a type already here is an error, not an override). */
  with(...more: T[]): ComponentRegistry<T> {
    return new ComponentRegistry(this.kind, [...this.byType.values(), ...more]);
  }
}
