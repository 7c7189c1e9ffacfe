// The `switchyard` command line. Verbs and flags here are a public interface: see README.md.
import { parseArgs } from 'node:util';
import { serveCommand } from './serve.ts';
import { checkCommand } from './check.ts';

const USAGE = `usage: switchyard <verb> [options]

  serve --config FILE [--access-log]   run the proxy engine headless until SIGINT/SIGTERM (SIGHUP reloads)
  check --config FILE                  validate a config; print each error with its JSON path (exit 1)
`;

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  try {
    switch (verb) {
      case 'serve': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' }, 'access-log': { type: 'boolean' } } });
        if (!values.config) throw new UsageError('serve needs --config FILE');
        return await serveCommand({ config: values.config, accessLog: values['access-log'] ?? false, ...io });
      }
      case 'check': {
        const { values } = parseArgs({ args: rest, options: { config: { type: 'string', short: 'c' } } });
        if (!values.config) throw new UsageError('check needs --config FILE');
        return await checkCommand({ config: values.config, ...io });
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return verb === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown verb "${verb}"`);
    }
  } catch (e) {
    if (e instanceof UsageError || (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`switchyard: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}

class UsageError extends Error {}
