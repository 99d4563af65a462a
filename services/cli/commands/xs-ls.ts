import type { CommandModule } from 'yargs';
import type { XenstoreClient } from '../../../shared/xenstore/xenstore-client.js';
import type { GlobalOptions } from '../global-options.js';
import { printResult, runCommand } from '../output.js';
import { withXenstore } from '../xenstore-session.js';

type Options = GlobalOptions & { path: string };

interface ListedNode {
  path: string;
  value: string;
  perms: string[];
  children: ListedNode[];
}

async function subtree(xs: XenstoreClient, path: string): Promise<ListedNode> {
  const [value, perms, names] = await Promise.all([xs.read(path), xs.permissions(path), xs.list(path)]);
  const children = await Promise.all(names.map((name) => subtree(xs, path === '/' ? `/${name}` : `${path}/${name}`)));
  return { path, value, perms, children };
}

function render(node: ListedNode, depth = 0): string[] {
  const name = depth === 0 ? node.path : node.path.slice(node.path.lastIndexOf('/') + 1);
  return [`${'  '.repeat(depth)}${name} = ${JSON.stringify(node.value)}  (${node.perms.join(',')})`, ...node.children.flatMap((child) => render(child, depth + 1))];
}

export const xsLsCommand: CommandModule<GlobalOptions, Options> = {
  command: 'ls [path]',
  describe: 'Print a subtree with values and permissions (like xenstore-ls -p)',
  builder: (yargs) => yargs.positional('path', { type: 'string', default: '/', describe: 'absolute XenStore path' }),
  handler: (argv) =>
    runCommand(argv, async () => {
      const tree = await withXenstore(argv, (xs) => subtree(xs, argv.path));
      printResult(argv, tree, () => render(tree).join('\n'));
    }),
};
