// The validation codes live in the control plane's one registry (../errors.ts); this module keeps
// the resource validators' import path.
export { ValidationCode } from "../errors.js";
