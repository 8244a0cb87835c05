/**
 * Something the operator should know about a run that did not stop a record: where in the delivery,
 * what it is about, and what happened.
 */
export interface Notice {
  position: string;
  field: string;
  message: string;
}

/** At most this many notices of one kind per run; one more counts the rest. */
export const noticeLimit = 100;

/**
 * The notices of one kind as listed (at most `noticeLimit`, found by a query that also counted them
 * all: `total`), and a last one that counts the rest, `and N more <rest>`.
 */
export function countedNotices(listed: Notice[], total: number, field: string, rest: string): Notice[] {
  if (total <= listed.length) return listed;
  return [...listed, { position: '', field, message: `and ${total - listed.length} more ${rest}` }];
}
