// Which process owns something on disk (a shard folder, an experiment's lock), and whether that process is gone: a
// run killed by SIGKILL or a machine that stopped cannot clean up after itself, so the next run must tell what it
// left from what a live run holds.

import { readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ProcessOwner {
  pid: number;
  host: string;
  /** Linux's pid namespace of the owner (/proc/self/ns/pid), where there is one: a pid means nothing outside it. */
  pidNamespace?: string | null;
}

/** This process's pid namespace (e.g. "pid:[4026531836]"), or null where the system does not say. */
function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** This process, as an owner record. */
export function currentOwner(): ProcessOwner {
  return { pid: process.pid, host: hostname(), pidNamespace: pidNamespace() };
}

/** Whether a process of this machine is running (EPERM: it is, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner's pid can be checked from here: the same host and pid namespace. */
export function ownerIsLocal(owner: ProcessOwner): boolean {
  return owner.host === hostname() && (owner.pidNamespace ?? null) === pidNamespace();
}

/**
 * Whether the owner is known to be gone: a process of this host and pid namespace that no longer runs (not this one).
 * An owner elsewhere cannot be checked, so it is never known to be gone.
 */
export function ownerGone(owner: ProcessOwner, alive: (pid: number) => boolean = processAlive): boolean {
  return ownerIsLocal(owner) && Number.isInteger(owner.pid) && owner.pid !== process.pid && !alive(owner.pid);
}
