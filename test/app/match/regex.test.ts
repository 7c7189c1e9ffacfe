import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNginxRegex } from '../../../app/match/regex.ts';

function re(src: string, ci = false): RegExp {
  const r = compileNginxRegex(src, ci);
  assert.ok(r.ok, `${src}: ${r.ok ? '' : r.message}`);
  return r.regex;
}
function refused(src: string, ci = false): string {
  const r = compileNginxRegex(src, ci);
  assert.equal(r.ok, false, src);
  return r.ok ? '' : r.message;
}

test('the common subset matches as PCRE does', () => {
  assert.ok(re('\\.php$').test('/a/b.php'));
  assert.ok(!re('\\.php$').test('/a/b.phpx'));
  assert.ok(re('^/api/(v\\d+)/').test('/api/v2/x'));
  assert.deepEqual(re('^/u/(\\d+)/(\\w+)').exec('/u/12/ab_c')!.slice(1), ['12', 'ab_c']);
  assert.ok(re('^/(a|b){2,3}$').test('/aba'));
  assert.ok(re('^/x[^/]*?y').test('/xaay'));
  assert.ok(re('^/a{').test('/a{'));
  assert.ok(re('^/a{,2}').test('/a{,2}'));
  assert.ok(re('^/(?:x|y)(?=z)').test('/xz'));
  assert.ok(re('^/(a)\\1$').test('/aa'));
});

test('PCRE spellings with JS equivalents are translated', () => {
  assert.equal(re('^/(?P<id>\\d+)').exec('/42')!.groups!.id, '42');
  assert.equal(re("^/(?'id'\\d+)").exec('/42')!.groups!.id, '42');
  assert.ok(re('^/(?P<x>a)(?P=x)$').test('/aa'));
  assert.ok(re('(?i)^/abc').test('/ABC'));
  // (after the leading "^" too, as nginx.conf files write it: PCRE takes the option there, for the rest)
  assert.ok(re('^(?i)/abc').test('/ABC'));
  assert.ok(!re('^(?i)/abc').test('/x/abc'));
  assert.ok(re('^/\\x41\\x{42}\\0103\\e?').test('/AB\b3'));
  assert.match(refused('^/\\103'), /ambiguous/);
  assert.ok(re('^/[\\x41-\\x43]+$').test('/ABCA'));
});

test('case-insensitive folds ASCII only, like PCRE with C tables', () => {
  const r = re('^/caf\u00e9[a-c]$', true);
  assert.ok(r.test('/CAF\u00c3\u00a9B'));
  assert.ok(!r.test('/caf\u00c3\u0089b')); // É is a different byte sequence
  assert.ok(!re('^/\u00c3', true).test('/\u00e3')); // no latin1 folding of bytes
  assert.ok(re('^/[X-c]+$', true).test('/xYZ[_`abcABC'));
  assert.ok(!re('^/[^a]$', true).test('/A'));
});

test('dot, $ and \\s mean what PCRE means on the bytes', () => {
  assert.ok(re('^/a.b$').test('/a\rb'));
  assert.ok(!re('^/a.b').test('/a\nb'));
  assert.ok(re('x$').test('/x\n'));
  assert.ok(!re('x$').test('/x\n\n'));
  assert.ok(!re('x$').test('/x\r'));
  assert.ok(re('^\\s$').test('\u000b'));
  assert.ok(!re('^\\s$').test('\u00a0'));
  assert.ok(re('^\\S$').test('\u00a0'));
  assert.ok(re('^[\\s]$').test('\t'));
  assert.ok(re('^[\\S]$').test('\u00a0'));
  assert.ok(re('^\\h$').test('\u00a0'));
  assert.ok(re('^\\v$').test('\u0085'));
});

test('constructs that differ or that JS lacks are refused with a reason', () => {
  assert.match(refused('a++'), /possessive/);
  assert.match(refused('a{2}+'), /possessive/);
  assert.match(refused('(?>a)'), /atomic/);
  assert.match(refused('\\Aabc'), /\\A/);
  assert.match(refused('abc\\Z'), /\\Z/);
  assert.match(refused('abc\\z'), /\\z/);
  assert.match(refused('\\Gabc'), /\\G/);
  assert.match(refused('(?#note)a'), /comments/);
  assert.match(refused('a(?i)b'), /start/);
  assert.match(refused('(?s)a'), /inline option/);
  assert.match(refused('\\Qa.b\\E'), /quoting/);
  assert.match(refused('\\p{L}'), /unicode property/);
  assert.match(refused('(a)(?1)'), /recursion/);
  assert.match(refused('(?R)'), /recursion/);
  assert.match(refused('[[:alpha:]]'), /POSIX/);
  assert.match(refused('(*UTF)a'), /verbs/);
  assert.match(refused('(?<=a+)b'), /lookbehind/);
  assert.match(refused('(a)\\1', true), /back-references/);
  assert.match(refused('\\1(a)\\2'), /reference to group 2/);
  assert.match(refused('\\u0041'), /\\u/);
  assert.match(refused('\\y'), /unknown escape/);
  assert.match(refused('(unclosed'), /invalid regular expression/);
  assert.match(refused('[abc'), /missing \]/);
  assert.match(refused(''), /empty/);
});

test('back-references only to a group certain to have matched: PCRE fails on an unset group, JS matches ""', () => {
  const why = /PCRE and JavaScript disagree there/;
  // optional, repeated, in an alternative, in a negative assertion: PCRE and JS give different matches
  for (const src of ['^/u/(x)?\\1y$', '^/r/(?:(a)|b)+\\1$', '(x){0}\\1y', '(?:(x)|y)\\1', '(a)|\\1b', '((a)|b)\\2', '(?!(a))\\1b',
    '(a)*\\1', '(a){1}\\1', '(?:(a)x)+\\1', '(?:x(a))?\\1', '(?<n>a)?\\k<n>', "(?P<n>a)?(?P=n)", "(?:(?'n'a)|b)\\k'n'"]) {
    assert.match(refused(src), why, src);
  }
  assert.match(refused('^/u/(x)?\\1y$'), /^back-reference \\1 to a group that may not take part in the match/);
  assert.match(refused('(?:(?<n>a)|b)\\k{n}'), /^back-reference \\k\{n\} to a group/);
  assert.match(refused('(?P<n>a)?(?P=n)'), /^back-reference \(\?P=n\) to a group/);
  // forward and self references
  assert.match(refused('\\1(a)'), /^back-reference \\1 comes before the group it refers to is complete/);
  assert.match(refused('(a\\1)'), /^back-reference \\1 comes before/);
  assert.match(refused('\\k<n>(?<n>a)'), /^back-reference \\k<n> comes before/);
  assert.match(refused('(?<m>a)\\k<n>'), /^reference to a group named "n", which the regex does not have$/);
  // certain groups: matched before the reference in the same alternative, in every repetition
  assert.ok(re('^/(a|b)\\1$').test('/bb'));
  assert.ok(!re('^/(a|b)\\1$').test('/ab'));
  assert.ok(re('^/(?:x(a))\\1$').test('/xaa'));
  assert.ok(re('^/(?=(a))\\1a$').test('/aa'));
  assert.ok(re('^/x(?<=(x))\\1$').test('/xx'));
  assert.ok(re('^/(?:(a)\\1|b)$').test('/b'));
  assert.ok(re('^/(?:(.)\\1)+$').test('/aabb'));
  assert.ok(re('^/(.)(?:x\\1)*$').test('/axaxa'));
  assert.ok(re('^/((a)b)\\2\\1$').test('/abaab'));
  assert.ok(re('^/(?<n>a|b)\\k<n>(?P=n)$').test('/bbb'));
});

test("lookbehinds: a fixed length for each alternative, as nginx's PCRE2 10.42 requires", () => {
  const uneven = /^lookbehind with a group whose alternatives differ in length: nginx's PCRE2 10.42 refuses it/;
  for (const src of ['^/(?<=(a|bc))x', '(?<=(?:a|bc))x', '(?<=(|a))x', '(?<=(a|bc){2})x', '(?<=(?:a|bc){0})x', '(?<=(?:a|\\b))x', '(?<=a(?<=(b|cd)))x', '(?<=(\u00e9|abc))x']) {
    assert.match(refused(src), uneven, src);
  }
  assert.match(refused('(?<=a(b|cd))x', true), uneven, 'server names too');
  assert.match(refused('(?<=x{2,3})y'), /^variable-length lookbehind/);
  assert.match(refused('(?<=x{2,})y'), /^variable-length lookbehind/);
  assert.match(refused('(?<=a{65535}b)'), /^lookbehind longer than 65535 bytes/);
  assert.match(refused('(?<=a{65535}b{0})'), /^lookbehind longer than 65535 bytes/, 'PCRE2 counts the b before {0} takes it back');
  assert.match(refused(`(?<=${'a|'.repeat(2001)}a)`), /^lookbehind too complicated/);
  // top-level alternatives may differ; groups inside need one length; lookaheads add none
  for (const src of ['(?<=a|bc)x', '(?<=(a|b)c)x', '(?<=((a|b)c|de)|f)x', '(?<=a(?=b*|c))x', '(?<=a(?<!b|cd))x', '(?<=x{2,2})y', '(?<=(?:ab){0}c{1})x',
    '(?<=a{65535}|b)', '(?<=(?:a{32767}){2}b)', '(?<=(\u00e9|ab))x', `(?<=${'a|'.repeat(2000)}a)`]) {
    re(src);
  }
  assert.ok(re('(?<=a|bc)x').test('/bcx'));
  assert.deepEqual(re('(?<=(a|b)c)x').exec('/bcx')!.slice(1), ['b']);
  assert.ok(!re('(?<!a|bc)x').test('/bcx'));
});

test('no u flag: matching is over byte strings', () => {
  const r = re('^/caf\u00e9$');
  assert.equal(r.flags, '');
  assert.ok(r.test('/caf\u00c3\u00a9'));
  assert.ok(!r.test('/caf\u00e9'));
});
