// Tokens → directive tree, nginx's structural errors with file:line:column, includes and globs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNginx, NginxSyntaxError, MAX_BLOCK_DEPTH } from '../../../app/nginx/parser.ts';
import { loadNginxConf, glob, type ConfReader } from '../../../app/nginx/include.ts';
import { SHAPE_ERRORS } from './shape-cases.ts';

function memoryReader(files: Record<string, string>): ConfReader {
  return {
    read: async (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT ${p}`), { code: 'ENOENT' });
      return files[p]!;
    },
    list: async (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const f of Object.keys(files)) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split('/')[0]!);
      if (names.size === 0) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return [...names];
    },
  };
}

function shape(list: ReturnType<typeof parseNginx>['directives']): unknown[] {
  return list.map((d) => (d.block ? [d.name, ...d.args, shape(d.block)] : [d.name, ...d.args]));
}

test('directives, arguments and nested blocks', () => {
  const r = parseNginx('events {}\nhttp { server { listen 80; location / { proxy_pass http://a; } } }', 'n.conf');
  assert.deepEqual(shape(r.directives), [['events', []], ['http', [['server', [['listen', '80'], ['location', '/', [['proxy_pass', 'http://a']]]]]]]]);
  const listen = r.directives[1]!.block![0]!.block![0]!;
  assert.deepEqual([listen.file, listen.line, listen.column], ['n.conf', 2, 17]);
});

test('comments attach to the next directive; trailing ones to the block end', () => {
  const r = parseNginx('# top\n# two\nserver {\n  # route: api\n  location /api { proxy_pass http://x; }\n  # tail\n}\n# end\n');
  const server = r.directives[0]!;
  assert.deepEqual(server.comments, [' top', ' two']);
  assert.deepEqual(server.block![0]!.comments, [' route: api']);
  assert.deepEqual(server.endComments, [' tail']);
  assert.deepEqual(r.endComments, [' end']);
});

test('a comment between arguments belongs to that directive and does not end it', () => {
  const r = parseNginx('proxy_pass # why\n  http://a;');
  assert.deepEqual(shape(r.directives), [['proxy_pass', 'http://a']]);
  assert.deepEqual(r.directives[0]!.comments, [' why']);
});

const errors: Array<[string, string]> = [
  ['a;\n;', 'f.conf:2:1: unexpected ";"'],
  ['{ a; }', 'f.conf:1:1: unexpected "{"'],
  ['server {\n  listen 80 }\n', 'f.conf:2:13: unexpected "}"'],
  ['a;\n}', 'f.conf:2:1: unexpected "}"'],
  ['http {\n  server {\n', 'f.conf:3:1: unexpected end of file, expecting "}"'],
  ['http {}\nlisten 80', 'f.conf:2:10: unexpected end of file, expecting ";" or "}"'],
  ['a "b"x;', 'f.conf:1:6: unexpected "x"'],
  // a regex's "{" opened a block: named where nginx names it, not at the end of the file
  ['server {\n location ~ ^/a/[0-9]{3}$ {\n  proxy_pass http://b;\n }\n}\n', 'f.conf:2:23: unknown directive "3}$": a "{" in an unquoted word opens a block (a regex with "{" must be in quotes)'],
  // a known directive with a block it does not take, or without the one it takes (shape-cases.ts)
  ...SHAPE_ERRORS,
];
for (const [text, message] of errors) {
  test(`syntax error: ${JSON.stringify(text)}`, () => {
    assert.throws(() => parseNginx(text, 'f.conf'), (e: unknown) => e instanceof NginxSyntaxError && e.message === message);
  });
}

test("where a word is no directive (a map's keys) or may be either (a file listing an upstream's servers), any shape is read", () => {
  const map = parseNginx('http { map $host $x { server 1; listen 2; default 0; } }');
  assert.deepEqual(shape(map.directives), [['http', [['map', '$host', '$x', [['server', '1'], ['listen', '2'], ['default', '0']]]]]]);
  // (an included file's top level: `server a;` inside an upstream, `server { }` inside http)
  assert.deepEqual(shape(parseNginx('server 127.0.0.1:1;\nserver 127.0.0.1:2 backup;').directives), [['server', '127.0.0.1:1'], ['server', '127.0.0.1:2', 'backup']]);
  assert.deepEqual(shape(parseNginx('server { listen 80; }').directives), [['server', [['listen', '80']]]]);
  // a directive the importer does not know keeps its shape (it is dropped with a note)
  assert.deepEqual(shape(parseNginx('http { foo_bar on { a b; } }').directives), [['http', [['foo_bar', 'on', [['a', 'b']]]]]]);
});

test('include: relative to the main file\'s folder, globs sorted, in place of the directive', async () => {
  const files = {
    '/etc/nginx/nginx.conf': 'http {\n  include conf.d/*.conf;\n  include sites/default;\n}\n',
    '/etc/nginx/conf.d/b.conf': 'upstream b { server 127.0.0.1:2; }',
    '/etc/nginx/conf.d/a.conf': 'upstream a { server 127.0.0.1:1; }',
    '/etc/nginx/conf.d/.hidden.conf': 'bogus;',
    '/etc/nginx/conf.d/c.txt': 'bogus;',
    // relative to /etc/nginx (the prefix), not to /etc/nginx/sites
    '/etc/nginx/sites/default': 'server { listen 80; include snippets/p.conf; }',
    '/etc/nginx/snippets/p.conf': 'proxy_set_header Host $host;',
  };
  const r = await loadNginxConf('/etc/nginx/nginx.conf', memoryReader(files));
  assert.deepEqual(shape(r.directives), [['http', [
    ['upstream', 'a', [['server', '127.0.0.1:1']]],
    ['upstream', 'b', [['server', '127.0.0.1:2']]],
    ['server', [['listen', '80'], ['proxy_set_header', 'Host', '$host']]],
  ]]]);
  const ps = r.directives[0]!.block![2]!.block![1]!;
  assert.deepEqual([ps.file, ps.line], ['/etc/nginx/snippets/p.conf', 1]);
  assert.deepEqual(r.problems, []);
});

test('include: a glob may match nothing; a missing plain file is a problem with its position', async () => {
  const r = await loadNginxConf('/n/nginx.conf', memoryReader({ '/n/nginx.conf': 'include none/*.conf;\n  include missing.conf;\n' }));
  assert.deepEqual(r.directives, []);
  assert.equal(r.problems.length, 1);
  assert.deepEqual([r.problems[0]!.file, r.problems[0]!.line, r.problems[0]!.column], ['/n/nginx.conf', 2, 3]);
  assert.match(r.problems[0]!.message, /missing\.conf.*ENOENT/);
});

test('include: a site file imported alone (no http block) finds proxy_params and snippets/ in the folder above, with a note', async () => {
  const files = {
    '/etc/nginx/sites-enabled/app': 'server {\n  include snippets/ssl.conf;\n  location / { include proxy_params; include conf.d/*.conf; include gone; }\n}\n',
    '/etc/nginx/proxy_params': 'proxy_set_header Host $host;',
    '/etc/nginx/snippets/ssl.conf': 'ssl_certificate x.pem;',
    '/etc/nginx/conf.d/h.conf': 'proxy_set_header X-A 1;',
  };
  const r = await loadNginxConf('/etc/nginx/sites-enabled/app', memoryReader(files));
  assert.deepEqual(shape(r.directives), [['server', [['ssl_certificate', 'x.pem'], ['location', '/', [['proxy_set_header', 'Host', '$host'], ['proxy_set_header', 'X-A', '1']]]]]]);
  assert.deepEqual(r.notes.map((n) => `${n.line} ${n.message.slice(0, n.message.indexOf(' instead'))}`), [
    '2 "snippets/ssl.conf" is not in /etc/nginx/sites-enabled: read from /etc/nginx',
    '3 "proxy_params" is not in /etc/nginx/sites-enabled: read from /etc/nginx',
    '3 "conf.d/*.conf" is not in /etc/nginx/sites-enabled: read from /etc/nginx',
  ]);
  // found nowhere: a problem where nginx would look; a whole nginx.conf gets no such search
  assert.deepEqual(r.problems.map((p) => p.message), ['cannot read included file "/etc/nginx/sites-enabled/gone": no such file (ENOENT)']);
  const full = await loadNginxConf('/etc/nginx/sites-enabled/app', memoryReader({ ...files, '/etc/nginx/sites-enabled/app': 'http { include proxy_params; }' }));
  assert.deepEqual([full.notes, full.problems.length], [[], 1]);
});

test('include: syntax errors name the included file', async () => {
  const reader = memoryReader({ '/n/nginx.conf': 'include x.conf;', '/n/x.conf': 'a;\nb {' });
  await assert.rejects(loadNginxConf('/n/nginx.conf', reader), (e: unknown) => e instanceof NginxSyntaxError && e.message === '/n/x.conf:2:4: unexpected end of file, expecting "}"');
});

test('include: a cycle stops with a problem instead of looping', async () => {
  const r = await loadNginxConf('/n/a.conf', memoryReader({ '/n/a.conf': 'include a.conf;' }));
  assert.deepEqual(r.problems.map((p) => p.message), ['"/n/a.conf" includes itself (/n/a.conf → /n/a.conf): not read again']);
  // a chain deeper than nginx would go, without a cycle, stops too
  const deep = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`/d/${i}.conf`, `include ${i + 1}.conf;`]));
  const d = await loadNginxConf('/d/0.conf', memoryReader(deep));
  assert.ok(d.problems.some((p) => /nested deeper/.test(p.message)), JSON.stringify(d.problems));
});

test('glob: character classes and ?', async () => {
  const reader = memoryReader({ '/d/a1': '', '/d/a2': '', '/d/b1': '', '/d/ab': '' });
  assert.deepEqual(await glob('/d/a[0-9]', reader), ['/d/a1', '/d/a2']);
  assert.deepEqual(await glob('/d/?1', reader), ['/d/a1', '/d/b1']);
  assert.deepEqual(await glob('/d/a[!0-9]', reader), ['/d/ab']);
});

test('blocks nested past MAX_BLOCK_DEPTH are a syntax error at the brace, not a stack overflow', () => {
  const ok = `${'a {'.repeat(MAX_BLOCK_DEPTH)}${'}'.repeat(MAX_BLOCK_DEPTH)}`;
  assert.equal(parseNginx(ok, 'ok.conf').directives.length, 1);
  const deep = `${'a {'.repeat(5000)}${'}'.repeat(5000)}`;
  assert.throws(() => parseNginx(deep, 'deep.conf'), /deep\.conf:1:\d+: blocks nested deeper than 100 levels/);
});
