import type { ErrorObject } from 'ajv/dist/2020.js';
import { closestName } from './closest-name.js';
import { parseDuration } from './duration.js';
import { XoarError } from '../errors/xoar-error.js';
import type { PolicyProblem } from './errors.js';
import { toPointer } from './json-pointer.js';
import { parseRate } from './rate.js';
import { parseSize } from './size.js';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
}

/** Turns ajv's errors (run with `allErrors` and `verbose`) into problems a policy author can act on. */
export function describeSchemaErrors(errors: readonly ErrorObject[]): PolicyProblem[] {
  return errors.flatMap((error) => {
    const problem = describe(error);
    return problem === undefined ? [] : [problem];
  });
}

function describe(error: ErrorObject): PolicyProblem | undefined {
  const pointer = error.instancePath;
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const about = parent.description ?? 'see policies/schema/host-policy.schema.json';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'if':
      // Reported by the failing `then`/`else` branch itself.
      return undefined;
    case 'required': {
      const name = String(params.missingProperty);
      return {
        pointer,
        message: `missing required property "${name}"`,
        hint: parent.properties?.[name]?.description ?? about,
      };
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const guess = closestName(name, allowed);
      return {
        pointer,
        locateAt: `${pointer}${toPointer(name)}`,
        message: `unknown property "${name}"`,
        hint: guess === undefined ? `allowed properties: ${quoteAll(allowed)}` : `did you mean "${guess}"?`,
      };
    }
    case 'type':
      return { pointer, message: `must be ${typeNames(params.type)}, not ${kindOf(error.data)}`, hint: about };
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const guess = typeof error.data === 'string' ? closestName(error.data, allowed) : undefined;
      return {
        pointer,
        message: `${JSON.stringify(error.data)} is not one of ${quoteAll(allowed)}`,
        hint: guess === undefined ? about : `did you mean "${guess}"?`,
      };
    }
    case 'const':
      return {
        pointer,
        message: `must be ${JSON.stringify(params.allowedValue)}, not ${JSON.stringify(error.data)}`,
        hint: about,
      };
    case 'pattern':
      return patternProblem(pointer, String(error.data), error.schemaPath, about) ?? {
        pointer,
        message: `${JSON.stringify(error.data)} does not match ${String(params.pattern)}`,
        hint: about,
      };
    case 'minLength':
      return { pointer, message: 'must not be empty', hint: about };
    case 'minItems':
      return { pointer, message: `must list at least ${String(params.limit)} entry`, hint: about };
    case 'minimum':
      return { pointer, message: `must be at least ${String(params.limit)}, not ${String(error.data)}`, hint: about };
    case 'uniqueItems': {
      const first = Math.min(Number(params.i), Number(params.j));
      const second = Math.max(Number(params.i), Number(params.j));
      return {
        pointer,
        locateAt: `${pointer}${toPointer(second)}`,
        message: `lists ${JSON.stringify((error.data as unknown[])[second])} twice (items ${first} and ${second})`,
        hint: 'list each entry once',
      };
    }
    case 'minProperties':
    case 'maxProperties':
      return {
        pointer,
        message: `must have exactly one of ${quoteAll(Object.keys(parent.properties ?? {}))}`,
        hint: about,
      };
    default:
      return { pointer, message: error.message ?? `fails the schema's "${error.keyword}" rule`, hint: about };
  }
}

/** What a string that fails a pattern should be, by where it is, in words rather than as a regular expression. */
const PATTERN_WORDS: ReadonlyArray<{ at: RegExp; problem: string }> = [
  { at: /^\/privileges\/[^/]+\/\d+$/, problem: 'is not a capability' },
  { at: /^\/guests\/\d+\/vifs\/\d+\/mac$/, problem: 'is not a MAC address in lower-case hex' },
  { at: /^\/guests\/\d+\/disks\/\d+\/vdev$/, problem: 'is not a disk device name' },
];

/** Values whose parser says better than a pattern what is wrong with them, by schema location. */
const PARSED_VALUES: ReadonlyArray<{ schemaPath: RegExp; parse: (text: string) => unknown }> = [
  { schemaPath: /^#\/\$defs\/duration\//, parse: parseDuration },
  { schemaPath: /^#\/\$defs\/size\//, parse: parseSize },
  { schemaPath: /\/vifs\/items\/properties\/rate\//, parse: parseRate },
];

function patternProblem(pointer: string, text: string, schemaPath: string, about: string): PolicyProblem | undefined {
  const parsed = PARSED_VALUES.find((candidate) => candidate.schemaPath.test(schemaPath));
  if (parsed !== undefined) return parserProblem(pointer, text, parsed.parse);
  const words = PATTERN_WORDS.find((candidate) => candidate.at.test(pointer));
  return words === undefined ? undefined : { pointer, message: `${JSON.stringify(text)} ${words.problem}`, hint: about };
}

/** The parser's own words for a value the schema's pattern refused. */
function parserProblem(pointer: string, text: string, parse: (text: string) => unknown): PolicyProblem {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof XoarError && error.hint !== undefined) return { pointer, message: error.message, hint: error.hint };
    throw error;
  }
  throw new Error(`"${text}" at ${pointer} failed the schema pattern but parses: the schema and its parser disagree`);
}

function typeNames(type: unknown): string {
  const names = (Array.isArray(type) ? type : String(type).split(',')).map((name) => article(String(name)));
  return names.join(' or ');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' && Number.isInteger(value)) return `the number ${value}`;
  return `${article(typeof value)} (${JSON.stringify(value)})`;
}

function quoteAll(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(', ');
}
