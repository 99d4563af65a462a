import { XenConfigInvalidError } from './errors.js';

/**
 * xl.cfg(5) as text: `KEY = VALUE` lines, a VALUE being a quoted string, a number or a list of
 * strings. Domain configs are built as an ordered list of settings and rendered here, so every
 * string is quoted and escaped in one place.
 */
export type XlValue = string | number | readonly string[];
export type XlSetting = readonly [key: string, value: XlValue];
export type XlConfig = readonly XlSetting[];

/** Who a config is for, in error messages: `service VM "blk-shared"`, `guest "web-1"`. */
export type ConfigSource = string;

/**
 * The escapes libxlu's lexer undoes inside a quoted string (tools/libs/util/libxlu_cfg.c). Its
 * `\x` and octal escapes are not used: other control characters are refused instead.
 */
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\f': '\\f', '\b': '\\b', '\u0007': '\\a' };

export function renderXlConfig(config: XlConfig, source: ConfigSource): string {
  return config.map(([key, value]) => `${key} = ${renderValue(key, value, source)}\n`).join('');
}

function renderValue(key: string, value: XlValue, source: ConfigSource): string {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new XenConfigInvalidError(key, source, `${value} is not a whole number`, 'xl.cfg numbers are whole and not negative');
    return String(value);
  }
  if (typeof value === 'string') return quote(key, value, source);
  return `[ ${value.map((item) => quote(key, item, source)).join(', ')} ]`;
}

function quote(key: string, value: string, source: ConfigSource): string {
  let quoted = '"';
  for (const char of value) {
    const escape = ESCAPES[char];
    if (escape !== undefined) quoted += escape;
    else if (isControl(char)) throw new XenConfigInvalidError(key, source, `the value ${JSON.stringify(value)} has a control character`, 'remove control characters from paths and names');
    else quoted += char;
  }
  return `${quoted}"`;
}

function isControl(char: string): boolean {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
}

/**
 * A SPEC_STRING (a `disk` or `vif` item): `key=value` pairs joined by commas, so no value may hold a
 * comma, except a disk's `target`, which xl-disk-configuration(5) lets run to the end of the item.
 */
export function specString(field: string, pairs: ReadonlyArray<readonly [key: string, value: string]>, source: ConfigSource): string {
  return specSettings(field, pairs, source).join(',');
}

/**
 * The same pairs as separate `key=value` settings, as `xl network-attach` takes them: it reads
 * each argument as one setting whose value runs to the argument's end, commas and all.
 */
export function specSettings(field: string, pairs: ReadonlyArray<readonly [key: string, value: string]>, source: ConfigSource): string[] {
  return pairs.map(([key, value], index) => {
    const consumesRest = key === 'target' && index === pairs.length - 1;
    if (!consumesRest && value.includes(',')) {
      throw new XenConfigInvalidError(field, source, `its ${key} ${JSON.stringify(value)} has a comma, which would split the ${field} entry`, `choose a ${key} without commas`);
    }
    return `${key}=${value}`;
  });
}
