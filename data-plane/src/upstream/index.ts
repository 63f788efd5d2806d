// The upstream layer's public surface: clusters, their endpoints, and the pools that reach them.
export {
  ClusterManager,
  type ClusterManagerOptions,
  type ClusterView,
  DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
  type EndpointView,
} from "./cluster-manager.js";
export { endpointAddress, Upstream } from "./upstream.js";
