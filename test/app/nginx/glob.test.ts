// Include patterns as glob(3) matches them for nginx: the matcher takes time in proportion to the
// name and the pattern, never a backtracking search, and keeps the RegExp's answers it replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileSegment, glob, matchSegment } from '../../../app/nginx/glob.ts';
import { loadNginxConf } from '../../../app/nginx/include.ts';
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

test('the matcher answers as the RegExp did where glob(3) agrees with it, on 20,000 random patterns and names', () => {
  let seed = Number(process.env.SEED ?? 7);
  // (the high bits: the low ones of this generator repeat within a few draws)
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 12) % n;
  const pick = (alphabet: string, max: number) => Array.from({ length: rand(max + 1) }, () => alphabet[rand(alphabet.length)]!).join('');
  let compared = 0;
  for (let k = 0; k < 20_000; k++) {
    const seg = pick('ab-*?[]!^\\.Z', 9);
    // (`[!]a]`: the RegExp took `[!]` for any one; glob(3) takes `]` there for a member, below; a `\`
    // or a `[` after a `[` is an escape or a class there, see the nginx -T test; a `\` left at the end
    // fails there, below)
    if (/\[[!^]\]/.test(seg) || /\[.*[\\[]/.test(seg) || /(?<!\\)(\\\\)*\\$/.test(seg)) continue;
    let re: RegExp;
    try {
      re = regexBefore(seg);
    } catch {
      continue; // a reversed range (see below)
    }
    const tokens = compileSegment(seg);
    for (let j = 0; j < 5; j++) {
      const name = pick('ab-[]!^\\.Z\n', 8);
      // (a hidden name only for a period first in the pattern, escaped or not)
      const hidden = name.startsWith('.') && !seg.startsWith('.') && !seg.startsWith('\\.');
      assert.equal(matchSegment(tokens, name), !hidden && re.test(name), `${JSON.stringify(seg)} on ${JSON.stringify(name)}`);
      compared++;
    }
  }
  assert.ok(compared > 30_000, `${compared}`);
});

test('include patterns match the files nginx -T includes for them', async () => {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-glob-'));
  try {
    mkdirSync(join(dir, 'd'));
    for (const n of ['a1', 'a2', 'b1', 'ab', 'a-', 'a]', 'a*', 'a[', '.a1', 'é1', 'Z', ']', 'c]', 'a', '.Z', '\u{1f600}1', '\uff211', 'long-file-name-with-no-capital-zed.conf', '1.conf', ']b.conf', 'a.conf', 'z.conf', '\\x.conf', '-.conf', 'b.conf', '.h.conf', ' 1', '\x7f1', 'f1']) writeFileSync(join(dir, 'd', n), '#\n');
    const patterns = ['a[0-9]', '?1', '??1', 'a[!0-9]', 'a[^0-9a-z]', 'a[]-]', 'a\\*', 'a[', '*1', '.*1', 'a[z-a]', '[!]a]', '[!]a]]', '***', '*[Z]', '**************Z', '.*Z',
      // C-locale classes inside brackets, with other members and negated; an unknown class, `[=a=]`
      // and `[.a.]` (the byte itself), `[.ab.]` (nothing); `\` escapes inside brackets; `\.` as a period
      '[[:digit:]]*', '[[:digit:]]*.conf', '[[:alpha:][:digit:]]?', '[![:alnum:]]*', '[^[:alpha:]-]*', 'a[[:punct:]]', '[[:upper:]]', '[[:lower:]]?', '[[:xdigit:]]1', '[[:space:]]1', '[[:blank:]]1', '[[:cntrl:]]1', '[[:print:]]1', '[[:graph:]]1', '[[:foo:]]*', '[a[:foo:]]*', '[[=a=]]*', '[[.a.]]*', '[[.ab.]]*', '[[.-.]]*', '[[:digit:]',
      '[\\]]*.conf', '[a\\-z]*.conf', '[b\\-]*.conf', '[\\!a]1', '\\.h*.conf', '\\.[ah]*'];
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
  assert.deepEqual(await g('b\\*'), [], 'no wildcard after all: only a path that is there');
  assert.deepEqual(await g('a['), ['a['], 'a [ without ] is itself');
  assert.deepEqual(await g('*1'), ['a1', 'b1', 'é1'], 'no hidden name for *');
  assert.deepEqual(await g('.*1'), ['.a1']);
  assert.deepEqual(await g('a[z-a]'), []);
  assert.deepEqual(await g('[!]a]1'), ['b1'], '] first after [! is a member (it made [!] any one)');
  assert.deepEqual(await g('***'), ['Z', 'a*', 'a-', 'a1', 'a2', 'a[', 'a]', 'ab', 'b1', 'é1'], 'sorted by byte, as glob(3) in the C locale');
});

test('glibc brackets: classes, escapes, [=a=] and [.a.]; a period escaped is a period', async () => {
  const names = ['1.conf', ']b.conf', 'a.conf', 'z.conf', '\\x.conf', '-.conf', '.h.conf'];
  const { reader } = memoryReader(Object.fromEntries(names.map((n) => [`/d/${n}`, ''])));
  const g = async (p: string) => (await glob(`/d/${p}`, reader)).map((f) => f.slice(3));
  assert.deepEqual(await g('[[:digit:]]*.conf'), ['1.conf'], 'the class, not [:digit: and a ]');
  assert.deepEqual(await g('[![:alpha:]-]*'), ['1.conf', '\\x.conf', ']b.conf']);
  assert.deepEqual(await g('[[:foo:]a]*'), [], 'an unknown class fails the match');
  assert.deepEqual(await g('[[=a=][.z.]]*'), ['a.conf', 'z.conf']);
  assert.deepEqual(await g('[\\]]*.conf'), [']b.conf']);
  assert.deepEqual(await g('[a\\-y]*.conf'), ['-.conf', 'a.conf'], '\\- is a member, not a range from \\');
  assert.deepEqual(await g('\\.h*.conf'), ['.h.conf']);
  assert.equal(matchSegment(compileSegment('[[:constructor:]]'), 'a'), false);
  assert.deepEqual(await g('*\\'), [], 'a \\ left at the end matches nothing (fnmatch: trailing \\ loses)');
  assert.deepEqual((await glob('/d\\/[1]*', reader)), ['/d/1.conf'], 'one before a / is dropped');
});

test('`.*` gives nginx `.` and `..`, and `dir/*/` folders: nginx -t fails reading them, and the import says so at the include', async () => {
  const nginx = findNginx();
  assert.ok(nginx, 'nginx must be installed for this test (apt-get install -y nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-glob-'));
  try {
    mkdirSync(join(dir, 'c', 'adir'), { recursive: true });
    writeFileSync(join(dir, 'c', 'a.conf'), '#\n');
    for (const [pattern, bad] of [['c/.*', 'c/.'], ['c/a*/', 'c/adir/']] as const) {
      const conf = join(dir, 'nginx.conf');
      writeFileSync(conf, `pid nginx.pid;\nerror_log error.log;\nevents {}\nhttp {\naccess_log off;\ninclude "${pattern}";\n}\n`);
      assert.throws(() => execFileSync(nginx, ['-T', '-q', '-p', dir, '-c', conf], { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' }), (e: { stderr: string }) => e.stderr.includes(`"${dir}/${bad}" failed (21: Is a directory)`), pattern);
      const { files, problems } = await loadNginxConf(conf, fsReader);
      assert.deepEqual(files, [conf], pattern);
      const said = problems.find((p) => p.message.startsWith(`cannot read included file "${dir}/${bad}"`));
      assert.ok(said && said.line === 6 && /nginx -t fails reading them/.test(said.message), `${pattern}: ${JSON.stringify(problems)}`);
    }
    assert.deepEqual(await glob(`${dir}/c/.*`, fsReader), [`${dir}/c/.`, `${dir}/c/..`]);
    assert.deepEqual(await glob(`${dir}/c/a*/`, fsReader), [`${dir}/c/adir/`], 'folders only, with their /');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
