// Include patterns as glob(3) matches them for nginx: the matcher takes time in proportion to the
// name and the pattern, never a backtracking search, and keeps the RegExp's answers it replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSegment, glob, matchSegment } from '../../../app/nginx/glob.ts';
import { fsReader } from '../../../main/nginx/conf-reader.ts';
import { findNginx } from '../../../main/nginx/binary.ts';
import { memoryReader } from './models.ts';

/** The RegExp an include pattern's segment was matched with before (the reference for its answers,
 * on names and patterns small enough for its backtracking). */
function regexBefore(seg: string): RegExp {
  let re = '^';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = close;
    } else if (c === '\\' && i + 1 < seg.length) {
      re += seg[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

test('the matcher answers as the RegExp did, on 20,000 random patterns and names', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const pick = (alphabet: string, max: number) => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]!).join('');
  let compared = 0;
  for (let k = 0; k < 20_000; k++) {
    const seg = pick('ab-*?[]!^\\.Z', 9);
    // (`[!]a]`: the RegExp took `[!]` for any one; glob(3) takes `]` there for a member, below)
    if (/\[[!^]\]/.test(seg)) continue;
    let re: RegExp;
    try {
      re = regexBefore(seg);
    } catch {
      continue; // a reversed range (see below)
    }
    const tokens = compileSegment(seg);
    for (let j = 0; j < 5; j++) {
      const name = pick('ab-[]!^\\.Z\n', 8);
      assert.equal(matchSegment(tokens, name), re.test(name), `${JSON.stringify(seg)} on ${JSON.stringify(name)}`);
      compared++;
    }
  }
  assert.ok(compared > 50_000, `${compared}`);
});

test('include patterns match the files nginx -T includes for them', async () => {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-glob-'));
  try {
    mkdirSync(join(dir, 'd'));
    for (const n of ['a1', 'a2', 'b1', 'ab', 'a-', 'a]', 'a*', 'a[', '.a1', 'é1', 'Z', ']', 'c]', 'a', '.Z', '\u{1f600}1', '\uff211', 'long-file-name-with-no-capital-zed.conf']) writeFileSync(join(dir, 'd', n), '#\n');
    const patterns = ['a[0-9]', '?1', '??1', 'a[!0-9]', 'a[^0-9a-z]', 'a[]-]', 'a\\*', 'a[', '*1', '.*1', 'a[z-a]', '[!]a]', '[!]a]]', '***', '*[Z]', '**************Z', '.*Z'];
    for (const pattern of patterns) {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, `pid nginx.pid;\nerror_log error.log;\nevents {}\nhttp {\naccess_log off;\ninclude "${dir}/d/${pattern}";\n}\n`);
      const dump: string = execFileSync(nginx, ['-T', '-q', '-p', dir, '-c', conf], { encoding: 'utf8', timeout: 10_000 });
      const included: string[] = [...dump.matchAll(/^# configuration file (.*):$/gm)].map((m) => m[1]!).filter((f) => f !== conf);
      assert.deepEqual(await glob(`${dir}/d/${pattern}`, fsReader), included, pattern);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('glob(3) classes, escapes and hidden names; a reversed range matches nothing (it threw)', async () => {
  const names = ['a1', 'a2', 'b1', 'ab', 'a-', 'a]', 'a*', 'a[', '.a1', 'é1', 'Z'];
  const { reader } = memoryReader(Object.fromEntries(names.map((n) => [`/d/${n}`, ''])));
  const g = async (p: string) => (await glob(`/d/${p}`, reader)).map((f) => f.slice(3));
  assert.deepEqual(await g('a[0-9]'), ['a1', 'a2']);
  assert.deepEqual(await g('?1'), ['a1', 'b1']);
  assert.deepEqual(await g('??1'), ['é1'], 'é is two bytes, as nginx\'s glob reads it (one code unit before)');
  assert.deepEqual(await g('a[!0-9]'), ['a*', 'a-', 'a[', 'a]', 'ab']);
  assert.deepEqual(await g('a[^0-9a-z]'), ['a*', 'a-', 'a[', 'a]']);
  assert.deepEqual(await g('a[]-]'), ['a-', 'a]'], '] first in a class is a member, - last too');
  assert.deepEqual(await g('a\\*'), ['a*']);
  assert.deepEqual(await g('a['), ['a['], 'a [ without ] is itself');
  assert.deepEqual(await g('*1'), ['a1', 'b1', 'é1'], 'no hidden name for *');
  assert.deepEqual(await g('.*1'), ['.a1']);
  assert.deepEqual(await g('a[z-a]'), []);
  assert.deepEqual(await g('[!]a]1'), ['b1'], '] first after [! is a member (it made [!] any one)');
  assert.deepEqual(await g('***'), ['Z', 'a*', 'a-', 'a1', 'a2', 'a[', 'a]', 'ab', 'b1', 'é1'], 'sorted by byte, as glob(3) in the C locale');
});
