// A command run on a pseudo-terminal, as on an operator's terminal: through `script`, which
// util-linux (Linux) and BSD (macOS) both ship, with their different arguments.
import { spawn, type ChildProcess } from 'node:child_process';

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Starts `command` on a terminal; what it writes comes out of the returned process's stdout, and
 * what is written to its stdin is typed at the terminal ("\x03" is Ctrl-C: SIGINT to the command).
 * Its exit code is the command's.
 */
export function onTerminal(command: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  // `exec`: util-linux script runs the command through $SHELL, or /bin/sh where SHELL is unset (as
  // in CI); dash, unlike bash, stays as the command's parent, takes the Ctrl-C too and exits 130.
  const args = process.platform === 'linux' ? ['-qefc', `exec ${command.map(quote).join(' ')}`, '/dev/null'] : ['-q', '/dev/null', ...command];
  return spawn('script', args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Text without the terminal's colour codes. */
export const withoutColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
