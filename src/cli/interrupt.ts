// Ctrl-C for long commands: the first one aborts a signal (the command stops at its next safe point and keeps what
// it finished); the handler then removes itself, so a second Ctrl-C gets Node's default action and quits at once.

export interface Interrupt {
  signal: AbortSignal;
  dispose: () => void;
}

/** `given` (a caller's own signal, e.g. in tests) is used as it is and no handler is installed. */
export function onInterrupt(say: (line: string) => void, message: string, given?: AbortSignal): Interrupt {
  if (given) return { signal: given, dispose: () => {} };
  const controller = new AbortController();
  const onSigint = () => {
    process.removeListener('SIGINT', onSigint);
    controller.abort();
    say(`${message} (press Ctrl-C again to quit at once)`);
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}
