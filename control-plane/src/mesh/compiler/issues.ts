// Issues are raised where a document is read, and one document is read once per Service port and
// view it concerns: each issue is reported once.
import type { CompileIssue } from "./compiled-resource.js";

/** `issues` without repeats, in first-raised order. */
export function uniqueIssues(issues: readonly CompileIssue[]): CompileIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.kind}\n${issue.name}\n${issue.path}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
