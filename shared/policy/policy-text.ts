import { extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { PolicyProblem } from './errors.js';
import { pointerSegments, toPointer } from './json-pointer.js';

export const PolicyFormat = { json: 'json', yaml: 'yaml' } as const;
export type PolicyFormat = (typeof PolicyFormat)[keyof typeof PolicyFormat];

export function policyFormatOf(file: string): PolicyFormat | undefined {
  switch (extname(file).toLowerCase()) {
    case '.json':
      return PolicyFormat.json;
    case '.yaml':
    case '.yml':
      return PolicyFormat.yaml;
    default:
      return undefined;
  }
}

/** A policy file's text, parsed, with a way back from a JSON pointer to a line. */
export interface PolicyText {
  /** The document as plain data; `undefined` when `problems` is not empty. */
  value: unknown;
  problems: PolicyProblem[];
  /** The 1-based line a pointer's value (or, for a property, its key) starts on, or of its nearest existing ancestor. */
  lineOf(pointer: string): number | undefined;
}

export function parsePolicyText(text: string, format: PolicyFormat): PolicyText {
  // JSON is (for our purposes) YAML 1.2, so one syntax tree gives line numbers for both formats.
  const lineCounter = new LineCounter();
  // Duplicate keys are found by our own walk, which can name the object they occur in.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const lineOf = (pointer: string) => locate(document, lineCounter, pointer);
  const syntaxProblems = document.errors.map(
    (error): PolicyProblem => ({
      pointer: '',
      line: lineCounter.linePos(error.pos[0]).line,
      message: `${format} syntax: ${error.message}`,
      hint: 'fix the syntax at this line',
    }),
  );

  if (format === PolicyFormat.yaml) {
    const problems = syntaxProblems.length > 0 ? syntaxProblems : duplicateKeys(document.contents, '', lineCounter);
    if (problems.length > 0) return { value: undefined, problems, lineOf };
    try {
      return { value: document.toJS(), problems: [], lineOf };
    } catch (error) {
      // Unresolved aliases and alias bombs surface only when the tree is built.
      return { value: undefined, problems: [{ pointer: '', message: `yaml: ${(error as Error).message}`, hint: 'check the anchors and aliases' }], lineOf };
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { value: undefined, problems: [jsonSyntaxProblem(text, error as SyntaxError)], lineOf };
  }
  // JSON.parse silently keeps the last of two equal keys; a policy must not hide an entry.
  const duplicates = syntaxProblems.length > 0 ? [] : duplicateKeys(document.contents, '', lineCounter);
  return duplicates.length > 0 ? { value: undefined, problems: duplicates, lineOf } : { value, problems: [], lineOf };
}

function duplicateKeys(node: unknown, pointer: string, lineCounter: LineCounter): PolicyProblem[] {
  if (isSeq(node)) {
    return node.items.flatMap((item, index) => duplicateKeys(item, `${pointer}${toPointer(index)}`, lineCounter));
  }
  if (!isMap(node)) return [];
  const seen = new Set<string>();
  return node.items.flatMap((pair) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined) return [];
    const inner = duplicateKeys(pair.value, `${pointer}${toPointer(key)}`, lineCounter);
    if (!seen.has(key)) {
      seen.add(key);
      return inner;
    }
    const offset = (pair.key as Node).range?.[0];
    return [
      {
        pointer,
        ...(offset === undefined ? {} : { line: lineCounter.linePos(offset).line }),
        message: `property "${key}" appears twice`,
        hint: 'keep one of the two entries',
      },
      ...inner,
    ];
  });
}

function jsonSyntaxProblem(text: string, error: SyntaxError): PolicyProblem {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
  return {
    pointer: '',
    message: `json syntax: ${error.message.replace(/\s*in JSON at position \d+.*$/s, '')}`,
    hint: 'fix the syntax at this line',
    ...(line === undefined ? {} : { line }),
  };
}

function locate(document: Document, lineCounter: LineCounter, pointer: string): number | undefined {
  let node: unknown = document.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const segment of pointerSegments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
      if (pair === undefined) break;
      offset = (pair.key as Node).range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = node.items[Number(segment)];
      if (item === undefined) break;
      node = item;
      offset = (item as Node).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lineCounter.linePos(offset).line;
}
