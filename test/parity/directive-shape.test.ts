// A known directive with a block it does not take (a ";" forgotten before the next line's
// `location / {`) or without the one it takes: real nginx -t refuses each text of shape-cases.ts
// with the words and on the line the importer's syntax error has; and each misspelt directive the
// import names a likely meaning for is one nginx knows not. Needs Debian's nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nginxTest, privateNginxConf } from '../../main/nginx/binary.ts';
import { MISSPELT, SHAPE_ERRORS } from '../app/nginx/shape-cases.ts';

test('nginx -t refuses each misshapen directive as the importer does: same words, same line', { timeout: 60_000 }, async () => {
  for (const [text, message] of SHAPE_ERRORS) {
    const [, line, reason] = /^f\.conf:(\d+):\d+: (.*)$/.exec(message)!;
    // (the private prelude's lines come first: nginx's line is the text's plus theirs)
    const conf = privateNginxConf(`events {}\n${text}`, true);
    const offset = conf.split('\n').length - `events {}\n${text}`.split('\n').length + 1;
    const r = await nginxTest(conf);
    assert.equal(r.ok, false, text);
    const said = /\[emerg\] \d+#\d+: (.*) in \S+:(\d+)$/m.exec(r.output);
    assert.ok(said, r.output);
    assert.deepEqual([said[1], Number(said[2])], [reason, Number(line) + offset], text);
  }
});

test('each misspelt directive the import names a meaning for is unknown to nginx -t', { timeout: 60_000 }, async () => {
  for (const [typo] of MISSPELT) {
    const r = await nginxTest(privateNginxConf(`server { listen 127.0.0.1:9; location / { ${typo} x; } }`));
    assert.equal(r.ok, false, typo);
    assert.match(r.output, new RegExp(`\\[emerg\\] \\d+#\\d+: unknown directive "${typo}" in `), typo);
  }
});
