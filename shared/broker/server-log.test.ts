import { describe, expect, it } from 'vitest';
import { ServerLog } from './server-log.js';

describe('ServerLog', () => {
  it('keeps only the most recent lines, oldest first', () => {
    const log = new ServerLog(3);
    for (const line of ['1', '2', '3', '4', '5']) log.append(line);
    expect(log.recent()).toEqual(['3', '4', '5']);
  });

  it('tells listeners of new lines until they unsubscribe', () => {
    const log = new ServerLog();
    const heard: string[] = [];
    const unsubscribe = log.onLine((line) => heard.push(line));
    log.append('a');
    unsubscribe();
    log.append('b');
    expect(heard).toEqual(['a']);
  });
});
