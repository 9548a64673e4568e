// What a terminal shows for text written to it: tests of what a person at the terminal sees.

/** The lines a terminal shows for `text`: carriage return and erase-line clear the line being written. */
export function shownLines(text: string): string[] {
  const lines: string[] = [];
  let current = "";
  for (const part of text.split(/(\r\x1b\[2K|\r?\n)/)) {
    if (part === "\r\x1b[2K") current = "";
    else if (part === "\n" || part === "\r\n") {
      lines.push(current);
      current = "";
    } else current += part;
  }
  if (current) lines.push(current);
  return lines;
}
