import { readFile } from 'node:fs/promises';
import { checkPolicy } from './check-policy.js';
import { describeSchemaErrors } from './describe-schema-errors.js';
import { PolicyInvalidError, PolicyNotFoundError } from './errors.js';
import type { PolicyIssue, PolicyProblem } from './errors.js';
import { hostPolicyValidator } from './host-policy-schema.js';
import { parsePolicyText, policyFormatOf } from './policy-text.js';
import type { PolicyText } from './policy-text.js';
import { resolvePolicy } from './resolve-policy.js';
import type { HostPolicy } from './types.js';

/**
 * Reads a host policy (JSON, or YAML by extension), checks its structure against the schema and
 * then its meaning, and applies defaults. Fails closed: any problem throws one
 * `PolicyInvalidError` listing them all. Meaning is checked only once the structure is sound.
 */
export async function loadPolicy(file: string): Promise<HostPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new PolicyNotFoundError(file, error);
  }
  const format = policyFormatOf(file);
  if (format === undefined) {
    throw new PolicyInvalidError(file, [
      { file, pointer: '', message: 'unknown policy file type', hint: 'name the file *.json, *.yaml or *.yml' },
    ]);
  }
  const parsed = parsePolicyText(text, format);
  if (parsed.problems.length > 0) throw invalid(file, parsed, parsed.problems);

  const validate = await hostPolicyValidator();
  const document = parsed.value;
  if (!validate(document)) throw invalid(file, parsed, describeSchemaErrors(validate.errors ?? []));

  const problems = checkPolicy(document);
  if (problems.length > 0) throw invalid(file, parsed, problems);
  return resolvePolicy(document, file);
}

function invalid(file: string, text: PolicyText, problems: readonly PolicyProblem[]): PolicyInvalidError {
  const issues = problems.map((problem) => locate(file, text, problem));
  // In file order, so the list reads top to bottom; issues without a line go last.
  issues.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return new PolicyInvalidError(file, issues);
}

function locate(file: string, text: PolicyText, { pointer, message, hint, line, locateAt }: PolicyProblem): PolicyIssue {
  const found = line ?? text.lineOf(locateAt ?? pointer);
  return found === undefined ? { file, pointer, message, hint } : { file, pointer, line: found, message, hint };
}
