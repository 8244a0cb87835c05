import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process as scheduled slots and sync runs name it: the host, the process id and a nonce, as
 * a restarted container is often process 1 on the same host again.
 */
export const processName = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
