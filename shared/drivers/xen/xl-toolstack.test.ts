import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { XlFailedError } from './errors.js';
import { XlToolstack } from './xl-toolstack.js';

// A stand-in `xl` on PATH that records its arguments, joined by '|' so that where one ends shows,
// and answers as xl 4.17 does; the real one is met in the lab. These check the commands the
// driver runs and how it reads their answers.
const FAKE_XL = `#!/bin/sh
(IFS='|'; echo "$*") >> "$XL_LOG"
case "$1" in
  restore) sleep 0.2; echo "restored $4" >> "$XL_LOG" ;;
  domid) echo 12 ;;
  list) printf 'Name                                        ID   Mem VCPUs\\tState\\tTime(s)\\nDomain-0                                     0  2048     2     r-----      41.2\\n'; cat "$XL_LIST_EXTRA" 2>/dev/null || true ;;
  destroy) echo "$2 is an invalid domain identifier (rc=-6)" >&2; exit 1 ;;
esac
if [ "$1" = "$XL_FAIL" ]; then exit 1; fi
`;

let dir: string;
let log: string;
const savedPath = process.env['PATH'];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'xoar-xl-'));
  writeFileSync(join(dir, 'xl'), FAKE_XL);
  chmodSync(join(dir, 'xl'), 0o755);
  log = join(dir, 'xl.log');
  process.env['PATH'] = `${dir}${delimiter}${savedPath}`;
  process.env['XL_LOG'] = log;
  process.env['XL_LIST_EXTRA'] = join(dir, 'list-extra');
});

beforeEach(() => {
  writeFileSync(log, '');
  rmSync(join(dir, 'list-extra'), { force: true });
});

afterAll(() => {
  process.env['PATH'] = savedPath;
  rmSync(dir, { recursive: true, force: true });
});

const ran = () => readFileSync(log, 'utf8').trim().split('\n');

describe('the xl toolstack', () => {
  it('creates and restores domains with no xl process left waiting on them, and finds their domid by name', async () => {
    const xl = new XlToolstack();
    expect(await xl.create('/s/domains/h1-a-template.cfg', 'h1-a-template')).toBe(12);
    expect(await xl.restore('/s/domains/h1-a-1.cfg', '/s/images/a.save', 'h1-a-1')).toBe(12);
    await xl.save('h1-a-template', '/s/images/a.save.partial');
    expect(ran()).toEqual([
      'create|-e|-f|/s/domains/h1-a-template.cfg',
      'domid|h1-a-template',
      'restore|-e|/s/domains/h1-a-1.cfg|/s/images/a.save',
      'restored /s/images/a.save',
      'domid|h1-a-1',
      'save|h1-a-template|/s/images/a.save.partial',
    ]);
  });

  it('attaches a disk to a domain with block-attach, the disk spec as one argument', async () => {
    await new XlToolstack().attachDisk('h1-g1-1', 'backend=h1-blk-2,vdev=xvdc,format=raw,access=rw,target=/var/lib/xoar/blk/g1.xvda.img');
    expect(ran()).toEqual(['block-attach|h1-g1-1|backend=h1-blk-2,vdev=xvdc,format=raw,access=rw,target=/var/lib/xoar/blk/g1.xvda.img']);
  });

  it('attaches a vif with network-attach, a setting per argument (xl reads an argument as one setting, commas and all)', async () => {
    await new XlToolstack().attachNic('h1-g1-1', ['backend=h1-net-1', 'mac=00:16:3e:00:00:01', 'bridge=xoarguests']);
    expect(ran()).toEqual(['network-attach|h1-g1-1|backend=h1-net-1|mac=00:16:3e:00:00:01|bridge=xoarguests']);
  });

  it('detaches a disk by force (its back-end may be gone) and a vif by its MAC', async () => {
    const xl = new XlToolstack();
    await xl.detachDisk('h1-g1-1', 'xvdc');
    await xl.detachNic('h1-g1-1', '00:16:3e:00:00:01');
    expect(ran()).toEqual(['block-detach|--force|h1-g1-1|xvdc', 'network-detach|h1-g1-1|00:16:3e:00:00:01']);
  });

  it('runs the commands that plug devices one at a time, and goes on after one fails', async () => {
    const xl = new XlToolstack();
    process.env['XL_FAIL'] = 'block-attach';
    const failing = xl.attachDisk('h1-g1-1', 'target=/nowhere');
    await Promise.all([failing.catch(() => undefined), xl.restore('/s/a.cfg', '/s/a.save', 'h1-a-1'), xl.restore('/s/b.cfg', '/s/b.save', 'h1-b-1')]);
    delete process.env['XL_FAIL'];
    await expect(failing).rejects.toThrow(XlFailedError);
    expect(ran().filter((line) => !line.startsWith('domid|'))).toEqual(['block-attach|h1-g1-1|target=/nowhere', 'restore|-e|/s/a.cfg|/s/a.save', 'restored /s/a.save', 'restore|-e|/s/b.cfg|/s/b.save', 'restored /s/b.save']);
  });

  it('counts destroying a domain that does not exist as done', async () => {
    await new XlToolstack().destroy('h1-a-1');
    expect(ran()).toEqual(['destroy|h1-a-1', 'list']);
  });

  it('reports a destroy that failed while the domain is still there, with what xl said', async () => {
    writeFileSync(join(dir, 'list-extra'), 'h1-a-1                                       5   256     1     -b----       0.3\n');
    await expect(new XlToolstack().destroy('h1-a-1')).rejects.toThrow(XlFailedError);
    await expect(new XlToolstack().destroy('h1-a-1')).rejects.toThrow('xl destroy h1-a-1 exited with 1: h1-a-1 is an invalid domain identifier (rc=-6)');
  });

  it('lists domains from the text table, which says which have shut down', async () => {
    expect(await new XlToolstack().list()).toEqual([{ name: 'Domain-0', domid: 0, shutdown: null }]);
  });
});
