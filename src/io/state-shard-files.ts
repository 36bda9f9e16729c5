// Train states on disk, one file per shard (analysis/train-shards.ts): the decoders of a large partition read one
// shard at a time instead of holding every state in memory. Files are raw little-endian float32 rows, written by
// appending (or row by row at their slots) and read whole; they live in a temporary folder that the caller removes when the signature is done.
// A run that is killed (SIGKILL, a machine that stops) cannot remove it: each folder names its owner, and the next run
// removes the folders of owners that are gone, where a 640-unit layer's states would otherwise stay as 10 GB.

import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { fsError } from './fs-errors.js';
import { currentOwner, ownerGone, type ProcessOwner, processAlive } from './process-owner.js';

/** Bytes buffered per shard file before a write: large sequential writes, bounded memory (k · this). */
const WRITE_BUFFER_BYTES = 1 << 20;

const FOLDER_PREFIX = 'memsig-states-';
/** The file in each shard folder that names the process that made it. */
const OWNER_FILE = 'owner.json';

/** A fresh folder for shard files under `parent` (default: the system's temporary folder), its owner recorded. */
export function makeShardFolder(parent: string = tmpdir()): string {
  const folder = mkdtempSync(join(parent, FOLDER_PREFIX));
  writeFileSync(join(folder, OWNER_FILE), JSON.stringify(currentOwner()));
  return folder;
}

export interface StaleShardFolders {
  folders: string[];
  bytes: number;
}

/**
 * Removes the shard folders under `parent` whose owner was a process of this host (and pid namespace) that no longer
 * runs: what killed runs left. A folder without an owner file (an older memsig's), of another host or container (a
 * shared folder), or whose owner still runs, is left alone.
 */
export function removeStaleShardFolders(
  parent: string = tmpdir(),
  alive: (pid: number) => boolean = processAlive,
): StaleShardFolders {
  const removed: StaleShardFolders = { folders: [], bytes: 0 };
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(FOLDER_PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const folder = join(parent, name);
    const ownerPath = join(folder, OWNER_FILE);
    let owner: ProcessOwner;
    try {
      if (!existsSync(ownerPath)) continue;
      owner = JSON.parse(readFileSync(ownerPath, 'utf8')) as ProcessOwner;
    } catch {
      continue;
    }
    if (!ownerGone(owner, alive)) continue;
    let bytes = 0;
    try {
      for (const f of readdirSync(folder)) bytes += statSync(join(folder, f)).size;
      removeShardFolder(folder);
    } catch {
      continue;
    }
    removed.folders.push(folder);
    removed.bytes += bytes;
  }
  return removed;
}

/** Removes a shard folder and everything in it (no error when it is already gone). */
export function removeShardFolder(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/** Appends rows to k shard files (shard-NNNN.f32 under `folder`, with `prefix`), each through a buffer. */
export class ShardFileWriter {
  readonly files: string[];
  private readonly fds: number[];
  private readonly buffers: Float32Array[];
  private readonly fill: Int32Array;

  constructor(folder: string, prefix: string, k: number) {
    this.files = Array.from({ length: k }, (_, s) => join(folder, `${prefix}shard-${String(s).padStart(4, '0')}.f32`));
    this.fds = this.files.map((f) => openSync(f, 'w'));
    this.buffers = this.files.map(() => new Float32Array(WRITE_BUFFER_BYTES / 4));
    this.fill = new Int32Array(k);
  }

  /** Appends one row to shard s. */
  append(s: number, row: Float32Array): void {
    let buffer = this.buffers[s]!;
    if (this.fill[s]! + row.length > buffer.length) {
      this.flush(s);
      if (row.length > buffer.length) {
        buffer = new Float32Array(row.length);
        this.buffers[s] = buffer;
      }
    }
    buffer.set(row, this.fill[s]!);
    this.fill[s]! += row.length;
  }

  /** Writes one row of shard s at its slot (0-based): for rows that come out of order (not with append). */
  write(s: number, slot: number, row: Float32Array): void {
    const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
    const position = slot * row.byteLength;
    this.writeAll(s, bytes, position);
  }

  private flush(s: number): void {
    const n = this.fill[s]!;
    if (n === 0) return;
    this.writeAll(s, new Uint8Array(this.buffers[s]!.buffer, 0, n * 4), null);
    this.fill[s] = 0;
  }

  /** Writes all of `bytes` to shard s (at `position`, or where the file is); a full disk is the user's to fix. */
  private writeAll(s: number, bytes: Uint8Array, position: number | null): void {
    try {
      for (let at = 0; at < bytes.length; ) {
        at += writeSync(this.fds[s]!, bytes, at, bytes.length - at, position === null ? null : position + at);
      }
    } catch (err) {
      throw shardWriteError(err, this.files[s]!);
    }
  }

  /** Writes what is buffered and closes every file. */
  close(): void {
    for (let s = 0; s < this.fds.length; s++) {
      this.flush(s);
      closeSync(this.fds[s]!);
    }
  }
}

/**
 * A failed write to a shard file as a one-line UserError naming it (writes by descriptor carry no path), with what
 * to do when the disk is full: the states of millions of positions are gigabytes.
 */
function shardWriteError(err: unknown, file: string): unknown {
  const error = fsError(err, 'write', file);
  const code = (err as NodeJS.ErrnoException).code;
  if (!(error instanceof UserError) || (code !== 'ENOSPC' && code !== 'EDQUOT')) return error;
  const hint = new UserError(
    `${error.message} (the train states go to --states-dir, by default the system's temporary folder: point it, ` +
      'or TMPDIR, at a disk with room, or lower --train-positions)',
  );
  hint.cause = err;
  return hint;
}

/** Reads a whole shard file into `into` (exactly its size) and returns it. */
export function readShardFile(path: string, into: Float32Array): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    let at = 0;
    while (at < bytes.length) {
      const got = readSync(fd, bytes, at, bytes.length - at, at);
      if (got === 0)
        throw new Error(`${path}: the shard file is shorter than expected (${at} of ${bytes.length} bytes)`);
      at += got;
    }
    return into;
  } finally {
    closeSync(fd);
  }
}

/** What a run says of the folders it removed. */
export function staleShardFoldersLine(stale: StaleShardFolders): string {
  const n = stale.folders.length;
  const gb = (stale.bytes / 1e9).toFixed(1);
  return `removed ${n} folder${n === 1 ? '' : 's'} of train states left by killed runs (${gb} GB): ${stale.folders.join(', ')}`;
}

/**
 * A store of shard files under a fresh folder of `parent` (made on the first open), for extractTrainStates; dispose()
 * removes the folder. Layer j's files are named layer{j}-shard-NNNN.f32. Before its folder is made, the folders of
 * killed runs under `parent` are removed and told to `onStale`.
 */
export function shardFileStore(
  parent?: string,
  onStale?: (stale: StaleShardFolders) => void,
): {
  open(layer: number, k: number): ShardFileWriter;
  read: typeof readShardFile;
  remove(paths: readonly string[]): void;
  dispose(): void;
} {
  let folder: string | null = null;
  return {
    open(layer, k) {
      if (folder === null) {
        const stale = removeStaleShardFolders(parent);
        if (stale.folders.length > 0) onStale?.(stale);
        folder = makeShardFolder(parent);
      }
      return new ShardFileWriter(folder, `layer${layer}-`, k);
    },
    read: readShardFile,
    remove(paths) {
      for (const p of paths) rmSync(p, { force: true });
    },
    dispose() {
      if (folder !== null) removeShardFolder(folder);
      folder = null;
    },
  };
}
