import 'reflect-metadata';
import { serve } from './serve.js';
import { rebuildCommand } from './rebuild.js';

const USAGE = `usage: npm run cli -- <command>
  serve                 start the backoffice and the evaluation service (what npm start runs)
  rebuild               recompute every indicator projection from the events`;

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve: () => serve(),
  rebuild: () => rebuildCommand(),
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(USAGE);
    process.exit(name ? 2 : 0);
  }
  await command(args);
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
