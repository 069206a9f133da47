/**
 * How `after` differs from `before` line by line (line ends included, so CRLF counts): the number of
 * lines replaced in place when both have as many lines, or the number of lines added when `after`
 * is `before` with one block of new lines inserted. Anything else throws, failing the test.
 */
export function lineChanges(before: string, after: string): { changed: number; added: number } {
  const a = before.split(/(?<=\n)/);
  const b = after.split(/(?<=\n)/);
  if (a.length === b.length) {
    return { changed: a.filter((line, i) => line !== b[i]).length, added: 0 };
  }
  const added = b.length - a.length;
  if (added < 0) throw new Error(`${-added} lines were removed`);
  let head = 0;
  while (head < a.length && a[head] === b[head]) head += 1;
  const rest = b.slice(head + added);
  if (rest.length !== a.length - head || rest.some((line, i) => line !== a[head + i])) {
    throw new Error('lines were changed besides the inserted block');
  }
  return { changed: 0, added };
}
