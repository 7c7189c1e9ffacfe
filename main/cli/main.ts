// The `switchyard` command line. Verbs and flags here are a public interface: see README.md.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { serveCommand } from './serve.ts';
import { checkCommand } from './check.ts';
import { exportNginxCommand } from './export-nginx.ts';
import { importNginxCommand } from './import-nginx.ts';
import { verifyCommand } from './verify.ts';
import { uiCommand } from './ui.ts';

const USAGE = `usage: switchyard <verb> [options]

  serve --config FILE [--access-log] [--inspect]
                                       run the proxy engine headless until SIGINT/SIGTERM (SIGHUP reloads);
                                       --inspect records every frame of every session like the UI does
                                       (in memory, within the UI's caps)
  check --config FILE                  validate a config; print each error with its JSON path (exit 1)
  export-nginx --config FILE [-o OUT] [--snippet]
                                       write the equivalent nginx.conf (or the http-level snippet)
  import-nginx FILE... [-o OUT]        convert nginx.conf files to one Switchyard config; warnings name
                                       file:line and what is lost (exit 0 unless a file cannot be
                                       read or parsed)
  verify --config FILE                 export to a temporary folder and run nginx -t on it
  ui [--config FILE] [--port N] [--open]
                                       run the engine and the UI on a loopback web host; prints the URL
                                       (with its access token); --open starts the default browser on it;
                                       without the built renderer (npm run build:renderer) the engine and
                                       the API run, and the page says to build it
  version                              print the version (also --version)

  Every verb takes --help or -h. -c is short for --config, --out the long form of -o, -v of --version.
  Exit codes: 0 ok, 1 invalid config or failure, 2 usage error.
`;

const VERBS = ['serve', 'check', 'export-nginx', 'import-nginx', 'verify', 'ui', 'version'];

/** One verb's part of USAGE (its line and the lines under it), or the whole of it for an unknown verb. */
export function helpFor(given: string): string {
  const verb = given === '--version' || given === '-v' ? 'version' : given;
  if (!VERBS.includes(verb)) return USAGE;
  const lines = USAGE.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`  ${verb} `) || l === `  ${verb}`);
  if (at === -1) return USAGE;
  let end = at + 1;
  while (end < lines.length && /^ {10,}\S/.test(lines[end]!)) end++;
  // (the verb's line loses its indent to "usage: switchyard "; the lines under it keep their column)
  const body = lines.slice(at, end).map((l, i) => (i === 0 ? l.slice(2) : `${' '.repeat('usage: switchyard '.length - 2)}${l}`));
  return `usage: switchyard ${body.join('\n')}\n\nExit codes: 0 ok, 1 invalid config or failure, 2 usage error. All verbs: switchyard --help\n`;
}

/** `-o OUT`: a file name (an empty one is a mistake, not stdout). */
function outOption(out: string | undefined): string | undefined {
  if (out === '') throw new UsageError('-o needs a file name (without -o: stdout)');
  return out;
}

/** `--port N`: a whole number 0-65535 (0: any free port). */
function portOption(text: string | undefined): number {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`--port must be a whole number from 0 to 65535, not "${text}"`);
  return n;
}

/**
 * parseArgs with a value that begins with "-" after a string option (`--port -1`, `-o -x`) said as
 * that option's own mistake: parseArgs calls it "ambiguous" and names `--port=-XYZ` as the way out.
 */
function parseVerbArgs<T extends ParseArgsConfig['options']>(args: string[], options: T, allowPositionals = false) {
  for (let i = 0; i < args.length - 1 && args[i] !== '--'; i++) {
    const name = args[i]!.startsWith('--') ? args[i]!.slice(2) : Object.keys(options!).find((k) => `-${options![k]!.short}` === args[i]);
    const next = args[i + 1]!;
    if (name === undefined || options![name]?.type !== 'string' || !(next.length > 1 && next.startsWith('-'))) continue;
    if (name === 'port') portOption(next);
    const flag = args[i]!;
    throw new UsageError(`${flag} needs a file name, not "${next}" (a file whose name begins with "-": ${flag} ./${next})`);
  }
  return parseArgs({ args, options, allowPositionals, strict: true });
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A reader that went away (`export-nginx | head -1`, an access log piped to a program that
 * ended) is no crash: what is left to write goes nowhere, and the verb goes on (`serve` proxies). */
function ignoreClosedOutput(): void {
  for (const s of [process.stdout, process.stderr]) s.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE') throw e; });
}

/** SIGUSR1, which logrotate's nginx script sends (nginx reopens its logs; these go to stdout and
 * stderr, nothing to reopen), would start node's inspector on 127.0.0.1:9229 by default: a port any
 * local user could run code in this process through. Taken here, it does nothing. */
function ignoreDebuggerSignal(): void {
  process.on('SIGUSR1', () => {});
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  ignoreClosedOutput();
  ignoreDebuggerSignal();
  const io = { stdout: process.stdout, stderr: process.stderr };
  // `switchyard VERB --help` too
  if (verb !== undefined && (rest.includes('--help') || rest.includes('-h'))) {
    const help = helpFor(verb);
    // (an unknown verb is a usage error, --help or not)
    if (help === USAGE && !['help', '--help', '-h', '--version', '-v'].includes(verb)) {
      process.stderr.write(`switchyard: unknown verb "${verb}"\n${USAGE}`);
      return 2;
    }
    process.stdout.write(help);
    return 0;
  }
  try {
    switch (verb) {
      case 'serve': {
        const { values } = parseVerbArgs(rest, { config: { type: 'string', short: 'c' }, 'access-log': { type: 'boolean' }, inspect: { type: 'boolean' } });
        if (!values.config) throw new UsageError('serve needs --config FILE');
        return await serveCommand({ config: values.config, accessLog: values['access-log'] ?? false, inspect: values.inspect ?? false, ...io });
      }
      case 'check': {
        const { values } = parseVerbArgs(rest, { config: { type: 'string', short: 'c' } });
        if (!values.config) throw new UsageError('check needs --config FILE');
        return await checkCommand({ config: values.config, ...io });
      }
      case 'export-nginx': {
        const { values } = parseVerbArgs(rest, { config: { type: 'string', short: 'c' }, out: { type: 'string', short: 'o' }, snippet: { type: 'boolean' } });
        if (!values.config) throw new UsageError('export-nginx needs --config FILE');
        return await exportNginxCommand({ config: values.config, out: outOption(values.out), snippet: values.snippet ?? false, ...io });
      }
      case 'import-nginx': {
        const { values, positionals } = parseVerbArgs(rest, { out: { type: 'string', short: 'o' } }, true);
        if (positionals.length === 0) throw new UsageError('import-nginx needs an nginx.conf FILE');
        return await importNginxCommand({ files: positionals, out: outOption(values.out), ...io });
      }
      case 'verify': {
        const { values } = parseVerbArgs(rest, { config: { type: 'string', short: 'c' } });
        if (!values.config) throw new UsageError('verify needs --config FILE');
        return await verifyCommand({ config: values.config, ...io });
      }
      case 'ui': {
        const { values } = parseVerbArgs(rest, { config: { type: 'string', short: 'c' }, port: { type: 'string' }, open: { type: 'boolean' } });
        return await uiCommand({ config: values.config, port: portOption(values.port), open: values.open ?? false, ...io });
      }
      case 'help':
      case '--help':
      case '-h': {
        // `switchyard help VERB`: that verb's part
        if (rest.length > 1) throw new UsageError('help takes at most one verb');
        const about = rest[0];
        if (about !== undefined && helpFor(about) === USAGE && !['help', '--help', '-h'].includes(about)) throw new UsageError(`unknown verb "${about}"`);
        process.stdout.write(about === undefined ? USAGE : helpFor(about));
        return 0;
      }
      case 'version':
      case '--version':
      case '-v':
        parseArgs({ args: rest, options: {} }); // takes nothing: anything else is a usage error
        process.stdout.write(`switchyard ${version()}\n`);
        return 0;
      case undefined:
        process.stderr.write(USAGE);
        return 2;
      default:
        throw new UsageError(`unknown verb "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      // (the verb's own usage when it is one: the rest of the list does not help with this mistake)
      process.stderr.write(`switchyard: ${(e as Error).message}\n${verb !== undefined ? helpFor(verb) : USAGE}`);
      return 2;
    }
    throw e;
  }
}

class UsageError extends Error {}
