// The child side of a simulator process (bench/cp-xds-proxy-sim.ts, bench/cp-mesh-sim.ts): the
// orchestrator's commands over Node's IPC channel, and how the process ends.

/**
 * Builds the simulation with `create`, hands it the orchestrator's commands, and reports `ready`.
 * `stop` stops the simulation and exits 0; the orchestrator gone (killed, crashed) stops it and
 * exits 1, as nothing is left to report to; a simulation that cannot be built is reported `failed`
 * (exit 1). SIGINT is ignored: Ctrl-C reaches the whole process group, and the orchestrator decides
 * when this process stops.
 */
export function runSimulatorProcess<Simulation extends { stop(): void }, Command extends { readonly type: string }>(
  create: () => Simulation,
  handle: (simulation: Simulation, command: Command) => void,
): void {
  const report = (message: { readonly type: "ready" } | { readonly type: "failed"; readonly message: string }) => {
    process.send?.(message);
  };
  try {
    const simulation = create();
    process.on("message", (command: Command) => {
      if (command.type === "stop") {
        simulation.stop();
        process.exit(0);
      }
      handle(simulation, command);
    });
    process.on("disconnect", () => {
      simulation.stop();
      process.exit(1);
    });
    process.on("SIGINT", () => undefined);
    report({ type: "ready" });
  } catch (error) {
    report({ type: "failed", message: String(error) });
    process.exit(1);
  }
}
