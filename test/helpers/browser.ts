import { type Browser, chromium as playwright } from "playwright-core";

/**
 * Debian's Chromium (never a downloaded browser) under playwright-core, headless, with the flags
 * that keep it off this machine's closed network. Playwright gives every launch a fresh, empty
 * profile folder of its own (--user-data-dir).
 */
export function launchChromium(executablePath: string | undefined): Promise<Browser> {
  return playwright.launch({
    executablePath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
