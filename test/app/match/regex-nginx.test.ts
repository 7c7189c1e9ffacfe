// compileNginxRegex against real nginx 1.22 (PCRE2 10.42): regexes check accepts match the same
// subjects in nginx as in the engine, and lookbehinds are accepted exactly when nginx -t accepts
// them. Fails (does not skip) without nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNginx, nginxTest, privateNginxConf, type RunningNginx } from '../../../main/nginx/binary.ts';
import { freePorts } from '../../helpers/ports.ts';
import { compileNginxRegex } from '../../../app/match/regex.ts';
import { NGINX_FIXED_VARIABLES, isKnownVariable } from '../../../app/proxy/variable-names.ts';
import { connectionUpgradeMap } from '../../../app/nginx/export.ts';
import { printNginx } from '../../../app/nginx/printer.ts';

/** nginx config token: single-quoted, with \ and ' escaped as nginx's parser reads them. */
const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// Accepted back-references: each group has certainly matched when its reference is tried.
const MATCHED = [
  '^/(a)\\1$', '^/(?:x(a))\\1$', '^/(?=(a))\\1a$', '^/(?:(a)\\1|b)$', '^/(?:(a)(?:\\1|x))+$', '^/x(?<=(x))\\1$', '^/(a|b)\\1$',
  '^/(?P<n>a|b)(?P=n)$', '^/(?<n>a|b)\\k<n>x$', "^/(?'n'a|b)\\k'n'$", '^/(?<n>[ab])\\k{n}\\1$', '^/((a)b)\\2\\1?$', '^/(a|b)(?:\\1)+$',
  '^/(a|b)\\1|x$', '^/(a|bx)\\1$', '^/(.)(?=\\1)', '^/(.)(?!\\1).$', '^/(a)(?:b|\\1)$', '^/(.)(.)\\2\\1$', '^/((.)\\2)\\1$',
  '^/(?:(?:(.))(x))\\2\\1$', '^/(?:(.)\\1)+$', '^/((.)\\2)+$', '^/(.)(?:x\\1)*$',
  // lookbehinds: alternatives of different lengths at their top level, equal ones below
  '(?<=a|bc)x', '(?<=(a|b)c)x', '(?<=(?:(a|b)c|xx))a$', '^/.*(?<=ab|c)$', '(?<!a|bc)x$', '(?<=a(?=b|cx))b', '(?<=a(?=b*c))b', '(?<=a(?!b+x))b',
  '(?<=(?<=a|b)c|x)a', '(?<=a{2}|b{0}c)x', '(?<=(?:ab){1}|c{2,2})x', '^/(?<=/)(?:a|bc)(?<=a|bc)$',
];

// Lookbehinds: check decides as nginx -t does (PCRE2 10.42: fixed length per top-level
// alternative, groups inside with alternatives of one length, at most 65535 bytes, 2001 scans).
const LOOKBEHINDS = [
  '(?<=a|bc)x', '(?<=(a|bc))x', '(?<=(?:a|bc))x', '(?<=a(b|cd))x', '(?<=(a|b)c)x', '(?<=(a|b){2}c)x', '(?<=(a|bc){2})x',
  '(?<=((a|b)c|de)|f)x', '(?<=(?:(a|b)c|de))x', '(?<=()|a)x', '(?<=(|a))x', '(?<=(?:a|\\b))x', '(?<=(?:^|a))x',
  '(?<=a(?=b*))x', '(?<=a(?=b|cd))x', '(?<=a(?<!b|cd))x', '(?<=a(?<=(b|cd)))x', '(?<=(?:(?=a)|b))x', '(?<=(?:(?<=ab)|a))x',
  '(?<=x{2})y', '(?<=x{2,2})y', '(?<=x{2}?)y', '(?<=x{2,3})y', '(?<=x{2,})y', '(?<=(?:a|b)+)x', '(?<=a{,2})x',
  '(?<=\\X)x', '(?<=\\R)x', '(?<=[ab]\\d\\s.\\x41\\h)x', '(?<=\u00e9|ab)x', '(?<=(\u00e9|ab))x', '(?<=(\u00e9|abc))x',
  '(?<=a{65535})', '(?<=a{65535}b)', '(?<=a{65535}|b)', '(?<=(?:a{65535}|b{65535})c)', '(?<=(?:a{300}){300})',
  '(?<=a{65535}b{0})', '(?<=(?:a{65535}){1})', '(?<=(?:a{32767}){2}b)', '(?<=(?:a|bc){0})', '(?<=a(?:b|c){0}d)',
  `(?<=${'a|'.repeat(2000)}a)x`, `(?<=${'a|'.repeat(2001)}a)x`, `(?<=(?:${'a|'.repeat(1999)}a))x`, `(?<=(?:${'a|'.repeat(2000)}a))x`,
];

// Every path of up to four letters from a small alphabet (nothing $uri would normalize).
const SUBJECTS = ['/'];
for (let n = 0; n < 4; n++) for (const s of SUBJECTS.filter((x) => x.length === n + 1)) for (const c of 'abcx') SUBJECTS.push(s + c);

let nginx: RunningNginx;
let port = 0;

before(async () => {
  port = (await freePorts(1))[0]!;
  // one map per regex: the reply is a string of 0/1, one per regex, for the request's $uri
  const maps = MATCHED.map((r, i) => `map $uri $m${i} { ${q('~' + r)} 1; default 0; }`).join('\n');
  const reply = MATCHED.map((_, i) => `$m${i}`).join('');
  nginx = await startNginx(privateNginxConf(`${maps}\nserver { listen 127.0.0.1:${port}; location / { return 200 "${reply}"; } }`), [port]);
});

after(async () => {
  await nginx?.stop();
});

function nginxMatches(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let text = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (text += d));
    s.on('error', reject);
    s.on('close', () => resolve(text.slice(text.indexOf('\r\n\r\n') + 4)));
    s.write(`GET ${path} HTTP/1.0\r\n\r\n`);
  });
}

/** The regexes of `list` check and nginx -t decide differently (none, when they agree). */
async function disagreements(list: readonly string[]): Promise<string[]> {
  const [free] = await freePorts(1);
  const problems: string[] = [];
  for (const r of list) {
    const check = compileNginxRegex(r, false);
    const t = await nginxTest(privateNginxConf(`server { listen 127.0.0.1:${free}; location ~ ${q(r)} { return 200; } }`));
    if (check.ok !== t.ok) problems.push(`${r.slice(0, 60)}: check ${check.ok ? 'accepts' : `refuses (${check.message})`}, nginx -t ${t.ok ? 'accepts' : `refuses (${t.output})`}`);
  }
  return problems;
}

test('lookbehinds are accepted exactly when nginx -t accepts them', async () => {
  assert.deepEqual(await disagreements(LOOKBEHINDS), []);
});

// Quantifiers after anchors and assertions: PCRE2 refuses '$*' as '^*' ("quantifier does not follow
// a repeatable item"), where JavaScript would repeat the lookahead '$' becomes.
const QUANTIFIED_ANCHORS = [
  '^/v1$+', '^api$?', '$*', 'a${0}', 'a${1,}', 'a${1,2}', 'x$?x', '(a|$+)', '$??', 'a$', 'a${', 'a${x}', 'a$|b', '^*a', '^?a',
  '\\b+a', 'a\\B*', '(?=a)*a', '(?!a)?b', '(?:$)*', '($)+', 'a(?=$)?',
];

test('a quantifier after an anchor is refused exactly when nginx -t refuses it', async () => {
  assert.deepEqual(await disagreements(QUANTIFIED_ANCHORS), []);
});

// A class that opens as a POSIX one: PCRE2 takes "[:alpha:]" only inside a class, and no collating
// element ("[.a.]", "[=a=]"), where the text up to its closing ":]" reads as one.
const POSIX_OPENINGS = [
  '^/[:alpha:]', '[..]', '[.a.]', '^/x[=a=]', '^/[:a:]', '^/[:a\\]:]', '^/[:abc]', '^/[:]', '^/[.]x', '^/[=]x', '^/[^:alpha:]', '^/[:a]b:]', '^/[:a[:b:]',
];

test('a class that opens as a POSIX class is refused exactly when nginx -t refuses it', async () => {
  assert.deepEqual(await disagreements(POSIX_OPENINGS), []);
});

test('accepted regexes match the same paths in nginx as in the engine', async () => {
  const regexes = MATCHED.map((r) => {
    const c = compileNginxRegex(r, false);
    assert.ok(c.ok, `${r}: ${c.ok ? '' : c.message}`);
    return c.regex;
  });
  const problems: string[] = [];
  for (const path of SUBJECTS) {
    const bits = await nginxMatches(path);
    assert.equal(bits.length, MATCHED.length, bits);
    regexes.forEach((re, i) => {
      if (re.test(path) !== (bits[i] === '1')) problems.push(`${MATCHED[i]} on ${path}: nginx ${bits[i] === '1' ? 'matches' : 'does not match'}`);
    });
  }
  assert.deepEqual(problems, []);
});

// nginx makes every named group a variable ($name, for the whole config): a name nginx defines
// fails nginx -t ("the duplicate "host" variable"); one the engine evaluates ($args, $arg_a,
// $http_x, $connection_upgrade of the export's map) passes, and nginx then reads that variable
// from the group (test/parity/names-vars.test.ts shows it). Check refuses both.
const GROUP_NAMES = [
  ...NGINX_FIXED_VARIABLES, 'HOST', 'Request_Uri', 'args', 'arg_a', 'ARG_A', 'http_x', 'cookie_c', 'proxy_host', 'proxy_port',
  'connection_upgrade', 'http_upgrade', 'foo', 'name', 'sub', 'http', 'cookie', 'arg_', 'sent_http_x', 'upstream_http_x',
];

test('a named group is refused exactly when nginx -t refuses its name, or when nginx would read a variable the engine evaluates from it', { timeout: 60_000 }, async () => {
  const [free] = await freePorts(1);
  const problems: string[] = [];
  for (const name of GROUP_NAMES) {
    const r = `^/(?<${name}>x)`;
    const check = compileNginxRegex(r, false);
    const t = await nginxTest(privateNginxConf(`${printNginx([connectionUpgradeMap()])}server { listen 127.0.0.1:${free}; location ~ ${q(r)} { return 200; } }`));
    const expected = t.ok && !isKnownVariable(name);
    if (check.ok !== expected) problems.push(`${name}: check ${check.ok ? 'accepts' : 'refuses'}, nginx -t ${t.ok ? 'accepts' : `refuses (${t.output})`}`);
  }
  assert.deepEqual(problems, []);
});

test("groups nested deeper than PCRE2's limit (250) are refused, as nginx -t refuses them", async () => {
  const [free] = await freePorts(1);
  const problems: string[] = [];
  for (const n of [250, 251]) {
    for (const open of ['(', '(?:', '(?=', '(?<=']) {
      const r = `${open.repeat(n)}a${')'.repeat(n)}`;
      const check = compileNginxRegex(r, false);
      const t = await nginxTest(privateNginxConf(`server { listen 127.0.0.1:${free}; location ~ ${q(r)} { return 200; } }`));
      if (check.ok !== t.ok) problems.push(`${n} x ${open}: check ${check.ok ? 'accepts' : `refuses (${check.message})`}, nginx -t ${t.ok ? 'accepts' : `refuses (${t.output})`}`);
    }
  }
  assert.deepEqual(problems, []);
});
