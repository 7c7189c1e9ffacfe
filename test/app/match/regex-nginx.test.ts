// compileNginxRegex against real nginx 1.22 (PCRE2 10.42): regexes check accepts match the same
// subjects in nginx as in the engine. Fails (does not skip) without nginx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startNginx, privateNginxConf, type RunningNginx } from '../../../main/nginx/binary.ts';
import { freePorts } from '../../helpers/ports.ts';
import { compileNginxRegex } from '../../../app/match/regex.ts';

/** nginx config token: single-quoted, with \ and ' escaped as nginx's parser reads them. */
const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

// Accepted back-references: each group has certainly matched when its reference is tried.
const MATCHED = [
  '^/(a)\\1$', '^/(?:x(a))\\1$', '^/(?=(a))\\1a$', '^/(?:(a)\\1|b)$', '^/(?:(a)(?:\\1|x))+$', '^/x(?<=(x))\\1$', '^/(a|b)\\1$',
  '^/(?P<n>a|b)(?P=n)$', '^/(?<n>a|b)\\k<n>x$', "^/(?'n'a|b)\\k'n'$", '^/(?<n>[ab])\\k{n}\\1$', '^/((a)b)\\2\\1?$', '^/(a|b)(?:\\1)+$',
  '^/(a|b)\\1|x$', '^/(a|bx)\\1$', '^/(.)(?=\\1)', '^/(.)(?!\\1).$', '^/(a)(?:b|\\1)$', '^/(.)(.)\\2\\1$', '^/((.)\\2)\\1$',
  '^/(?:(?:(.))(x))\\2\\1$', '^/(?:(.)\\1)+$', '^/((.)\\2)+$', '^/(.)(?:x\\1)*$',
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
