import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyInvalidError } from './errors.js';
import { readHostPolicySchema } from './host-policy-schema.js';
import { loadPolicy } from './load-policy.js';
import { RATE_PATTERN, RateInvalidError, parseRate } from './rate.js';

const badRate = fileURLToPath(new URL('./fixtures/bad-rate.json', import.meta.url));

describe('parseRate', () => {
  it.each([
    ['512Kbit/s', 512_000],
    ['100Mbit/s', 100_000_000],
    ['10Gbit/s', 10_000_000_000],
    ['0Mbit/s', 0],
  ])('reads %s as %d bits per second', (text, bits) => {
    expect(parseRate(text)).toBe(bits);
  });

  it.each([
    ['100', 'has no unit'],
    ['100MB/s', 'has unknown unit "MB/s"'],
    ['100Mbit', 'has unknown unit "Mbit"'],
    ['100mbit/s', 'has unknown unit "mbit/s"'],
    ['1.5Gbit/s', 'is not a whole number'],
    ['-1Mbit/s', 'is negative'],
    ['10 Mbit/s', 'contains white space'],
    ['', 'is empty'],
    ['99999999Gbit/s', 'is too large'],
  ])('refuses %j: %s', (text, problem) => {
    expect(() => parseRate(text)).toThrow(RateInvalidError);
    expect(() => parseRate(text)).toThrow(`rate ${JSON.stringify(text)} ${problem}`);
  });
});

describe('a vif rate in a policy', () => {
  let dir: string;
  let fixtureText: string;
  let written = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'xoar-rate-'));
    fixtureText = await readFile(badRate, 'utf8');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The bad-rate fixture with its vif's rate replaced (or removed, for `undefined`). */
  async function policyWithRate(rate: string | undefined): Promise<string> {
    written += 1;
    const file = join(dir, `policy-${written}.json`);
    const replacement = rate === undefined ? '' : `, "rate": ${JSON.stringify(rate)}`;
    await writeFile(file, fixtureText.replace(', "rate": "100MB/s"', replacement));
    return file;
  }

  async function issuesOf(file: string): Promise<PolicyInvalidError['issues']> {
    const error = await loadPolicy(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PolicyInvalidError);
    return (error as PolicyInvalidError).issues;
  }

  it('is checked by the schema with the parser’s pattern', async () => {
    const schema = (await readHostPolicySchema()) as { $defs: { guest: { properties: { vifs: { items: { properties: { rate: { pattern: string } } } } } } } };
    expect(schema.$defs.guest.properties.vifs.items.properties.rate.pattern).toBe(RATE_PATTERN.source);
  });

  it.each([
    ['512Kbit/s', 512_000],
    ['100Mbit/s', 100_000_000],
    ['10Gbit/s', 10_000_000_000],
  ])('accepts %s as %d bits per second', async (rate, bits) => {
    const policy = await loadPolicy(await policyWithRate(rate));
    expect(policy.guests[0]?.vifs).toEqual([{ mac: '00:16:3e:00:00:01', backend: 'net', rateBitsPerSecond: bits }]);
  });

  it('is optional: no limit by default', async () => {
    const policy = await loadPolicy(await policyWithRate(undefined));
    expect(policy.guests[0]?.vifs[0]).toStrictEqual({ mac: '00:16:3e:00:00:01', backend: 'net' });
  });

  it('refuses a rate that is not one (fixture bad-rate.json)', async () => {
    const issues = await issuesOf(badRate);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: badRate, pointer: '/guests/0/vifs/0/rate', line: 7 });
    expect(issues[0]?.message).toBe('rate "100MB/s" has unknown unit "MB/s"');
    expect(issues[0]?.hint).toContain('Mbit/s');
  });

  it('refuses a zero rate', async () => {
    const file = await policyWithRate('0Kbit/s');
    const issues = await issuesOf(file);
    expect(issues).toEqual([
      { file, pointer: '/guests/0/vifs/0/rate', line: 7, message: 'vif 00:16:3e:00:00:01 of guest "web" has rate 0', hint: 'give the vif a rate, e.g. "100Mbit/s", or leave "rate" out for no limit' },
    ]);
  });

  it('refuses a rate too large to count in bits per second', async () => {
    const file = await policyWithRate('99999999Gbit/s');
    const issues = await issuesOf(file);
    expect(issues).toEqual([{ file, pointer: '/guests/0/vifs/0/rate', line: 7, message: 'rate "99999999Gbit/s" is too large', hint: 'use at most 9007199Gbit/s' }]);
  });
});
