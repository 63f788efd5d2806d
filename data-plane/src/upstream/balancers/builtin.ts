// The balancers weft ships, registered under their lb_policy names by an explicit call (the
// cluster manager makes it); a test or an embedder may register others, or replace these.
import { registerLoadBalancer } from "../load-balancer.js";
import { leastRequest } from "./least-request.js";
import { random } from "./random.js";
import { ringHash } from "./ring-hash.js";
import { roundRobin } from "./round-robin.js";

let registered = false;

/** Registers ROUND_ROBIN, LEAST_REQUEST, RANDOM and RING_HASH; later calls do nothing. */
export function registerBuiltinLoadBalancers(): void {
  if (registered) return;
  registered = true;
  registerLoadBalancer("ROUND_ROBIN", roundRobin);
  registerLoadBalancer("LEAST_REQUEST", leastRequest);
  registerLoadBalancer("RANDOM", random);
  registerLoadBalancer("RING_HASH", ringHash);
}
