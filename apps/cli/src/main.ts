import 'reflect-metadata';
import { serve } from './serve.js';
import { TOKEN_USAGE, USER_USAGE, tokenCommand, userCommand, withUsage } from './auth.js';
import { rebuildCommand } from './rebuild.js';

const USAGE = `usage: npm run cli -- <command>
  serve                 start the backoffice and the evaluation service (what npm start runs)
  rebuild               recompute every indicator projection from the events
  token --role ROLE [--scope SCOPE]   print a bearer token (or --user NAME)
  user add --name NAME --role ROLE [--scope SCOPE]   store a user`;

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve: () => serve(),
  rebuild: () => rebuildCommand(),
  token: withUsage(TOKEN_USAGE, (args) => tokenCommand(args)),
  user: withUsage(USER_USAGE, (args) => userCommand(args)),
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
