// Opens a URL in the user's browser, best effort: the address is printed anyway, so a failure is one note.

import { spawn } from 'node:child_process';

/**
 * Asks the desktop to open `url`; returns a reason when it will not try (no desktop, CI), and calls `onError` if the
 * opener cannot be started.
 */
export function openBrowser(
  url: string,
  env: Record<string, string | undefined>,
  onError: (message: string) => void,
): string | null {
  if (env.CI) return 'not opening a browser on CI';
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') {
    command = 'open';
    args = [url];
  } else if (process.platform === 'win32') {
    command = 'cmd';
    args = ['/c', 'start', '""', url];
  } else {
    // Without a display xdg-open may start a text browser with no terminal to draw in.
    if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display to open a browser on';
    command = 'xdg-open';
    args = [url];
  }
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', (err) => onError(`could not open a browser (${err.message})`));
    child.unref();
  } catch (err) {
    onError(`could not open a browser (${(err as Error).message})`);
  }
  return null;
}
