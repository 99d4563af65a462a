import { describe, expect, it } from 'vitest';
import { subjectMatches } from '../bus/subject-match.js';
import { permits } from './subject-permits.js';

describe('subjectMatches', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.x.y.c', false],
    ['a.>', 'a.b', true],
    ['a.>', 'a.b.c.d', true],
    ['a.>', 'a', false],
    ['>', 'anything.at.all', true],
    ['$JS.>', '$JS.API.INFO', true],
  ])('%s matches %s: %s', (pattern, subject, matches) => {
    expect(subjectMatches(pattern, subject)).toBe(matches);
  });
});

describe('permits', () => {
  it('allows only what the allow-list matches', () => {
    expect(permits({ allow: ['a.>'] }, 'a.b')).toBe(true);
    expect(permits({ allow: ['a.>'] }, 'b.a')).toBe(false);
  });

  it('lets a deny win over an allow', () => {
    expect(permits({ allow: ['>'], deny: ['a.secret.>'] }, 'a.secret.x')).toBe(false);
    expect(permits({ allow: ['>'], deny: ['a.secret.>'] }, 'a.public.x')).toBe(true);
  });

  it('treats an empty allow-list as the broker enforces it once rendered: nothing is allowed', () => {
    expect(permits({ allow: [] }, 'a.b')).toBe(false);
    expect(permits({ allow: [], deny: ['x.>'] }, 'a.b')).toBe(false);
  });
});
