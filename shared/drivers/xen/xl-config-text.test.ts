import { describe, expect, it } from 'vitest';
import { XenConfigInvalidError } from './errors.js';
import { renderXlConfig, specString } from './xl-config-text.js';

describe('xl.cfg text', () => {
  it('writes strings quoted, numbers bare and lists of strings, one setting a line', () => {
    expect(renderXlConfig([['name', 'h-a-1'], ['memory', 256], ['vif', ['bridge=xenbr0', 'mac=00:16:3e:00:00:01']]], 'test')).toBe(
      'name = "h-a-1"\nmemory = 256\nvif = [ "bridge=xenbr0", "mac=00:16:3e:00:00:01" ]\n',
    );
  });

  it("escapes backslashes, quotes and the control characters libxlu's lexer knows", () => {
    expect(renderXlConfig([['extra', 'a "b" c\\d\te\nf']], 'test')).toBe('extra = "a \\"b\\" c\\\\d\\te\\nf"\n');
  });

  it('keeps characters beyond ASCII as they are', () => {
    expect(renderXlConfig([['kernel', '/boot/vmlinuz-é']], 'test')).toBe('kernel = "/boot/vmlinuz-é"\n');
  });

  it('refuses control characters it cannot escape, naming the setting and whose config it is', () => {
    const render = () => renderXlConfig([['kernel', '/boot/a\u0001b']], 'service VM "blk"');
    expect(render).toThrow(XenConfigInvalidError);
    expect(render).toThrow(/setting "kernel" from service VM "blk": .*control character/);
  });

  it('refuses numbers xl.cfg cannot hold', () => {
    expect(() => renderXlConfig([['memory', 1.5]], 'test')).toThrow(/1.5 is not a whole number/);
    expect(() => renderXlConfig([['memory', -1]], 'test')).toThrow(XenConfigInvalidError);
  });

  it('joins spec pairs with commas and refuses a comma inside a value', () => {
    expect(specString('vif', [['bridge', 'xenbr0'], ['mac', '00:16:3e:00:00:01']], 'test')).toBe('bridge=xenbr0,mac=00:16:3e:00:00:01');
    expect(() => specString('vif', [['bridge', 'br,0'], ['mac', '00:16:3e:00:00:01']], 'test')).toThrow(/its bridge "br,0" has a comma/);
  });

  it("lets a disk's target, last, hold commas: xl reads it to the end of the entry", () => {
    expect(specString('disk', [['vdev', 'xvdb'], ['target', '/srv/a,b.img']], 'test')).toBe('vdev=xvdb,target=/srv/a,b.img');
    expect(() => specString('disk', [['target', '/srv/a,b.img'], ['vdev', 'xvdb']], 'test')).toThrow(XenConfigInvalidError);
  });
});
