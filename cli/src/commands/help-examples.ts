// The "Examples:" lines of --help: `  $ command`, with an optional explanation, the explanations of
// one list starting in one column.

/** Each example as `  $ command  explanation`, explanations aligned; an example may have none. */
export function examples(rows: readonly (readonly [command: string, explanation?: string])[]): string[] {
  const width = Math.max(0, ...rows.filter(([, what]) => what !== undefined).map(([command]) => command.length));
  return rows.map(([command, what]) =>
    what === undefined ? `  $ ${command}` : `  $ ${command.padEnd(width)}  ${what}`.trimEnd(),
  );
}
