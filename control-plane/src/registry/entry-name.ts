// The name of the WorkloadEntry kept for a sidecar, from its node id. A node id may be any string;
// a mesh document's name is a DNS-1123 label. A node id that already is one is used as it is;
// any other becomes its readable part plus a hash of the whole id, so two ids never share a name
// by accident. A name held by another entry (written by hand, or another node's) moves the
// registration to the next candidate.
import { createHash } from "node:crypto";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL_MAX = 63;
/** Candidates after the first that a registration may take when names are held by others. */
const FALLBACKS = 2;
/** Room left for "-" and the hash (8), then "-" and a fallback's digit. */
const STEM_MAX = DNS_LABEL_MAX - 9 - 2;

/** The names a node's entry may have, in the order the registry tries them; each a DNS-1123 label. */
export function entryNameCandidates(nodeId: string): string[] {
  const candidates: string[] = [];
  if (nodeId.length <= DNS_LABEL_MAX && DNS_LABEL.test(nodeId)) candidates.push(nodeId);
  const hash = createHash("sha256").update(nodeId, "utf8").digest("hex").slice(0, 8);
  const stem = nodeId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .slice(0, STEM_MAX)
    .replace(/^-+|-+$/g, "");
  const hashed = `${stem === "" ? "sidecar" : stem}-${hash}`;
  candidates.push(hashed);
  for (let i = 2; i < FALLBACKS + 2; i++) candidates.push(`${hashed}-${i}`);
  return candidates;
}
