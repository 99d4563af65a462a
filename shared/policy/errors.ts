import { XoarError } from '../errors/xoar-error.js';

/** One thing wrong with a policy file, located precisely enough to fix it. */
export interface PolicyIssue {
  file: string;
  /** JSON pointer into the document (`/services/3/restart`); `""` is the whole document. */
  pointer: string;
  /** 1-based line of the offending value, where the file's text lets us find it. */
  line?: number;
  message: string;
  hint: string;
}

/** An issue before it is placed in a file: checks produce these, the loader adds the file and line. */
export interface PolicyProblem {
  pointer: string;
  message: string;
  hint: string;
  /** Known when the problem came from parsing the text. */
  line?: number;
  /** A more precise pointer to find the line by, when `pointer` names the parent (an unknown property's key). */
  locateAt?: string;
}

export function formatPolicyIssue(issue: PolicyIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  const pointer = issue.pointer === '' ? '(document)' : issue.pointer;
  return `${where} ${pointer} — ${issue.message} (${issue.hint})`;
}

/** The policy is wrong in one or more ways; `issues` lists every one, and nothing was applied. */
export class PolicyInvalidError extends XoarError {
  readonly issues: readonly PolicyIssue[];

  constructor(file: string, issues: readonly PolicyIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super('policy-invalid', `policy ${file} has ${count}:\n${issues.map((issue) => `  ${formatPolicyIssue(issue)}`).join('\n')}`, {
      hint: 'fix every problem listed; the policy is applied only when it has none',
    });
    this.issues = issues;
  }

  override toJSON(): ReturnType<XoarError['toJSON']> & { issues: readonly PolicyIssue[] } {
    return { ...super.toJSON(), issues: this.issues };
  }
}

export class PolicyNotFoundError extends XoarError {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super('policy-not-found', `cannot read policy ${file}`, {
      hint: 'pass the path of a readable policy file (.json, .yaml or .yml), e.g. --policy policies/default.json',
      cause,
    });
    this.file = file;
  }
}

/** The JSON Schema that describes policies is missing from the installation, or unreadable. */
export class PolicySchemaNotFoundError extends XoarError {
  constructor(path: string, cause: unknown) {
    super('policy-schema-not-found', `cannot read the policy schema ${path}`, {
      hint: 'reinstall xoar: the schema ships in policies/schema/ beside package.json',
      cause,
    });
  }
}

export class DurationInvalidError extends XoarError {
  declare readonly hint: string;
  readonly text: string;

  constructor(text: string, problem: string, hint: string) {
    super('duration-invalid', `duration "${text}" ${problem}`, { hint });
    this.text = text;
  }
}

export class SizeInvalidError extends XoarError {
  declare readonly hint: string;
  readonly text: string;

  constructor(text: string, problem: string, hint: string) {
    super('size-invalid', `size "${text}" ${problem}`, { hint });
    this.text = text;
  }
}
