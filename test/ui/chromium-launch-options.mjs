// @sparticuz/chromium is ESM-only and jest runs the tests as CommonJS, so a child process asks
// it for the browser (unpacked from the npm package into the temp folder: nothing is downloaded)
// and prints the launch options as JSON.
const chromium = (await import("@sparticuz/chromium")).default;
const executablePath = await chromium.executablePath();
process.stdout.write(JSON.stringify({ executablePath, args: chromium.args }));
