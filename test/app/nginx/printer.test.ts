// The printer: layout, and arguments that read back as exactly the same bytes — checked against
// our lexer for arbitrary strings, and against real nginx (return 200 ARG) for a sample of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { printNginx, quoteArg } from '../../../app/nginx/printer.ts';
import { directive } from '../../../app/nginx/ast.ts';
import { tokenize } from '../../../app/nginx/lexer.ts';
import { parseNginx } from '../../../app/nginx/parser.ts';
import { findNginx, startNginx, privateNginxConf } from '../../../main/nginx/binary.ts';
import { freePort } from '../../helpers/ports.ts';

test('plain words stay plain; anything nginx would read differently is double-quoted', () => {
  assert.equal(quoteArg('http://127.0.0.1:80/a?b=c'), 'http://127.0.0.1:80/a?b=c');
  assert.equal(quoteArg('$host'), '$host');
  assert.equal(quoteArg(String.raw`^/v\d+\.json$`), String.raw`^/v\d+\.json$`);
  assert.equal(quoteArg(''), '""');
  assert.equal(quoteArg('a b'), '"a b"');
  assert.equal(quoteArg('a;b'), '"a;b"');
  assert.equal(quoteArg('{'), '"{"');
  assert.equal(quoteArg('}'), '"}"');
  assert.equal(quoteArg('#x'), '"#x"');
  assert.equal(quoteArg(`say "hi"`), String.raw`"say \"hi\""`);
  assert.equal(quoteArg(`it's`), `"it's"`);
  assert.equal(quoteArg('tab\there'), String.raw`"tab\there"`);
});

test('backslashes are doubled exactly where nginx would consume them', () => {
  assert.equal(quoteArg('a\\'), 'a\\\\');
  assert.equal(quoteArg('\\n'), '\\\\n');
  assert.equal(quoteArg('\\\\'), '\\\\\\\\');
  assert.equal(quoteArg('\\d'), '\\d');
  assert.equal(quoteArg('a \\"'), '"a \\\\\\""');
});

test('layout: 4-space indentation, blank line around blocks, empty blocks on one line, comments', () => {
  const text = printNginx([
    directive('events', [], []),
    directive('http', [], [
      directive('upstream', ['u'], [directive('server', ['127.0.0.1:1'])]),
      directive('server', [], [directive('listen', ['80']), directive('location', ['/'], [directive('proxy_pass', ['http://u'])], [' route: root'])]),
    ]),
  ]);
  assert.equal(text, [
    'events {}',
    '',
    'http {',
    '    upstream u {',
    '        server 127.0.0.1:1;',
    '    }',
    '',
    '    server {',
    '        listen 80;',
    '',
    '        # route: root',
    '        location / {',
    '            proxy_pass http://u;',
    '        }',
    '    }',
    '}',
    '',
  ].join('\n'));
});

test('a comment with a line break is refused (it could start a directive)', () => {
  assert.throws(() => printNginx([directive('a', [], undefined, [' x\nevil;'])]), /line break/);
});

test('property: every argument reads back through the lexer as exactly itself', () => {
  const nasty = fc.constantFrom(' ', ';', '{', '}', '#', '"', "'", '\\', '$', '\t', '\n', '\r', 'n', 't', 'r', 'x', 'é', '字', '(', ')', '\u0001');
  const str = fc.oneof(fc.string(), fc.array(nasty, { maxLength: 12 }).map((a) => a.join('')));
  fc.assert(
    fc.property(fc.array(str, { minLength: 1, maxLength: 5 }), (args) => {
      const parsed = parseNginx(printNginx([directive('x', args, [directive('y', args)])]));
      assert.deepEqual(parsed.directives.length, 1);
      assert.deepEqual(parsed.directives[0]!.args, args);
      assert.deepEqual(parsed.directives[0]!.block![0]!.args, args);
    }),
    { numRuns: 2000 },
  );
});

test('printing is stable: print(parse(print(tree))) === print(tree)', () => {
  const tree = [directive('a', ['x y', '\\', '"'], [directive('b', ['#c'], undefined, [' note'])], [' lead'])];
  const once = printNginx(tree);
  const p = parseNginx(once);
  assert.equal(printNginx(p.directives, p.endComments), once);
  assert.deepEqual(tokenize(once).filter((t) => t.kind === 'word').length, 6);
});

test('real nginx reads printed arguments as the same bytes (return 200 ARG)', { timeout: 30_000 }, async () => {
  assert.ok(findNginx(), 'nginx must be installed for this test (apt-get install -y nginx)');
  // `return` evaluates variables, so this sample has no "$"; everything else nginx's lexer handles.
  const piece = fc.constantFrom(' ', ';', '{', '}', '#', '"', "'", '\\', '\\n', '\\t', '\\\\', '\t', '\n', 'n', 't', 'a', 'é', '(', ')', '\\d', '}{');
  const samples = fc.sample(fc.array(piece, { minLength: 1, maxLength: 10 }).map((a) => a.join('')), { numRuns: 150, seed: 42 });
  samples.push('', 'end\\', '\\"', '"\'"', '#', '}', '{', ';');
  const port = await freePort();
  const server = directive('server', [], [
    directive('listen', [`127.0.0.1:${port}`]),
    ...samples.map((s, i) => directive('location', ['=', `/${i}`], [directive('return', ['200', s])])),
  ]);
  const n = await startNginx(privateNginxConf(printNginx([server])), [port]);
  try {
    for (let i = 0; i < samples.length; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/${i}`);
      assert.equal(await res.text(), samples[i], `sample ${i}: ${JSON.stringify(samples[i])} printed as ${quoteArg(samples[i]!)}`);
    }
  } finally {
    await n.stop();
  }
});
