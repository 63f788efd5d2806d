// Loaded (--import) into every test file's process by run-tests.mjs. Once the file's tests and
// its own hooks are done, the process should exit by itself; one that does not (a server, socket,
// child or timer left open) would keep the whole run waiting, on Node 24 forever. So a file still
// running EXIT_GRACE_MS after its tests ended fails: it names what is still open and exits 1,
// which the runner reports as a failure of that file.
import { after } from "node:test";

const EXIT_GRACE_MS = 60_000;

// The runner's own process (the one that spawns the files) is left alone: only the files'
// processes run with NODE_TEST_CONTEXT set.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  after(() => {
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((kind) => kind !== "Timeout" && kind !== "TTYWrap");
      process.stderr.write(
        `run-tests: this test file's tests ended ${EXIT_GRACE_MS} ms ago and its process has not exited; ` +
          `still open: ${open.join(", ") || "timers only"}\n`,
      );
      process.exit(1);
    }, EXIT_GRACE_MS).unref();
  });
}
