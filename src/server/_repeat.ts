/** The longest delay Node's timers hold, in ms (2^31 - 1, about 24.8 days); a longer one fires after 1 ms. */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;

export interface Repeating {
  cancel(): void;
}

/**
 * Calls `run` every `ms` milliseconds, the first time `ms` from now. An interval longer than
 * LONGEST_TIMER_MS is waited out in steps, so any interval is honoured (docs/contract.md §3, rule 7). The
 * timer never keeps the process alive.
 */
export function repeatEvery(ms: number, run: () => void): Repeating {
  let timer: NodeJS.Timeout | undefined;
  const wait = (left: number) => {
    timer = setTimeout(
      () => {
        if (left > LONGEST_TIMER_MS) return wait(left - LONGEST_TIMER_MS);
        run();
        wait(ms);
      },
      Math.min(left, LONGEST_TIMER_MS),
    ).unref();
  };
  wait(ms);
  return { cancel: () => clearTimeout(timer) };
}
