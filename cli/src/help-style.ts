// One style for every command's --help: commander's "(default: ..., env: ...)" after each option,
// with "required" first among them for an option the command cannot run without, and the same
// words for -h, --help everywhere.
import { type Command, Help, type Option } from "commander";

function optionDescription(this: Help, option: Option): string {
  const text = Help.prototype.optionDescription.call(this, option);
  if (!option.mandatory) return text;
  // Commander appends its extra information as ` (a, b)` after the description, when there is any.
  const extra = text.slice(option.description.length).trim();
  return `${option.description} (required${extra === "" ? ")" : `, ${extra.slice(1)}`}`;
}

/** Applies the help style to `command` and every command under it. */
export function styleHelp(command: Command): void {
  command.configureHelp({ optionDescription }).helpOption("-h, --help", "print this help and exit");
  for (const sub of command.commands) styleHelp(sub);
}
