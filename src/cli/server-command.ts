// `berth server`: load the configuration (a bad value stops here, naming the variable), start, and shut
// down gracefully on SIGTERM/SIGINT.
import { ConfigError, loadConfig } from '../config/config.ts';
import { startServer } from '../app/boot.ts';

export async function runServer(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berth: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const server = await startServer(config);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      server.shutdown(signal).then(resolve, (err: unknown) => {
        process.stderr.write(`berth: shutdown failed: ${(err as Error).message}\n`);
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
