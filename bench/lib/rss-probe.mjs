// Loaded with --import: reports the process's peak resident memory (KiB) on exit.
process.on("exit", () => process.stderr.write(`\nmaxrss=${process.resourceUsage().maxRSS}\n`));
