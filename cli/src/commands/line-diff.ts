// A unified diff of two texts, line by line: hunks of changed lines (`-` before, `+` after) with up
// to `context` unchanged lines around them, from a longest-common-subsequence alignment.

/** The alignment: each line of both texts, kept (" "), removed ("-") or added ("+"). */
function align(before: readonly string[], after: readonly string[]): [" " | "-" | "+", string][] {
  const n = before.length;
  const m = after.length;
  // Resources are small; past a few million cells, align nothing and show a replacement.
  if (n * m > 4_000_000) {
    return [...before.map((l): [" " | "-" | "+", string] => ["-", l]), ...after.map((l): ["+", string] => ["+", l])];
  }
  const lcs: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) {
      row[j] = before[i] === after[j] ? (below[j + 1] ?? 0) + 1 : Math.max(below[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const out: [" " | "-" | "+", string][] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push([" ", before[i] as string]);
      i++;
      j++;
    } else if (i < n && (j === m || (lcs[i + 1]?.[j] ?? 0) >= (lcs[i]?.[j + 1] ?? 0))) {
      // Removals first, as diff prints them.
      out.push(["-", before[i] as string]);
      i++;
    } else {
      out.push(["+", after[j] as string]);
      j++;
    }
  }
  return out;
}

/** The changed lines of `after` against `before`, with context; "" when the texts are equal. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const split = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  const lines = align(split(before), split(after));
  const changed = lines.map(([op]) => op !== " ");
  const shown = lines.map((_, k) => {
    for (let d = -context; d <= context; d++) if (changed[k + d] === true) return true;
    return false;
  });
  const out: string[] = [];
  let gap = false;
  lines.forEach(([op, text], k) => {
    if (!shown[k]) {
      gap = true;
      return;
    }
    if (gap || out.length === 0) out.push("@@");
    gap = false;
    out.push(`${op}${text}`);
  });
  return changed.includes(true) ? `${out.join("\n")}\n` : "";
}
