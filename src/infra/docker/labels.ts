// Berth's label scheme on Docker objects: `<prefix>.managed=true` marks what Berth created (and may
// change or delete); callers add their own `<prefix>.*` labels (service id, kind, test markers).
// Must never let a caller unset or fake the managed label, and never accept labels outside the prefix.
import { Invalid } from '../../core/errors.ts';

export type Labels = Record<string, string>;

export class LabelScheme {
  readonly prefix: string;
  /** `berth.managed` with the default prefix. */
  readonly managedKey: string;
  /** Where the image reference a service was asked for is kept when its spec names the image ID. */
  readonly imageKey: string;

  constructor(prefix = 'berth') {
    if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(prefix)) {
      throw new Invalid([{ path: 'labelPrefix', message: 'expected dot-separated lowercase words, e.g. "berth"' }]);
    }
    this.prefix = prefix;
    this.managedKey = `${prefix}.managed`;
    this.imageKey = `${prefix}.image`;
  }

  /** The caller's labels plus the managed label. Throws Invalid for keys outside the prefix. */
  stamp(callerLabels: Labels = {}, path = 'labels'): Labels {
    const outside = Object.keys(callerLabels).filter((key) => !key.startsWith(`${this.prefix}.`));
    if (outside.length > 0) {
      throw new Invalid(outside.map((key) => ({ path: `${path}/${key}`, message: `expected a label starting with "${this.prefix}."` })));
    }
    return { ...callerLabels, [this.managedKey]: 'true' };
  }

  isManaged(labels: Labels | null | undefined): boolean {
    return labels?.[this.managedKey] === 'true';
  }

  /** Engine list filter (`label=…` entries) selecting managed objects that also carry `extra`. */
  managedFilter(extra: Labels = {}): string[] {
    return [`${this.managedKey}=true`, ...Object.entries(extra).map(([key, value]) => `${key}=${value}`)];
  }
}
