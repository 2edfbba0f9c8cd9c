// Reading a file whose size is bounded: read until the limit, not by the size
// the file reports, which is 0 for devices and pipes (/dev/zero, a FIFO fed by
// `yes`) that would otherwise be read without end.
import { closeSync, openSync, readSync } from 'node:fs';

/** The file's text, or undefined if it holds more than `limit` bytes (then only limit + 1 were read). */
export function readBounded(file: string, limit: number): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(limit + 1);
    let size = 0;
    for (let n; size < buffer.length && (n = readSync(fd, buffer, size, buffer.length - size, null)) > 0;) size += n;
    return size > limit ? undefined : buffer.toString('utf8', 0, size);
  } finally {
    closeSync(fd);
  }
}
