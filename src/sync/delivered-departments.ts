import type { Notice } from './notices.js';
import type { CandidateDepartment } from './types.js';

/**
 * The departments a delivery names, merged over its records. Named by several records, the first
 * name and the first parent given hold, and one left out fills no gap. When two records disagree
 * (an export that read a department renamed halfway, or two parents for one code) the operator is
 * told once per department and field, with both places, so the first-given choice is not silent.
 */
export class DeliveredDepartments {
  readonly byCode = new Map<string, CandidateDepartment>();
  readonly notices: Notice[] = [];
  /** Where each code's name and parent were first given. */
  private readonly givenAt = new Map<string, { name?: string; parent?: string }>();
  private readonly noticed = new Set<string>();

  add(d: CandidateDepartment, position: string): void {
    const earlier = this.byCode.get(d.code);
    const at = this.givenAt.get(d.code) ?? {};
    if (!earlier) {
      this.byCode.set(d.code, d);
      this.givenAt.set(d.code, {
        ...(d.name !== undefined ? { name: position } : {}),
        ...(d.parentCode !== undefined ? { parent: position } : {}),
      });
      return;
    }
    if (earlier.name === undefined && d.name !== undefined) at.name = position;
    else if (d.name !== undefined && d.name !== earlier.name)
      this.notice(d.code, 'name', position, d.name, earlier.name!, at.name!);
    if (earlier.parentCode === undefined && d.parentCode !== undefined) at.parent = position;
    else if (d.parentCode !== undefined && d.parentCode !== earlier.parentCode)
      this.notice(d.code, 'parent', position, d.parentCode, earlier.parentCode!, at.parent!);
    this.givenAt.set(d.code, at);
    this.byCode.set(d.code, {
      ...d,
      name: earlier.name ?? d.name,
      parentCode: earlier.parentCode ?? d.parentCode,
    });
  }

  private notice(
    code: string,
    what: 'name' | 'parent',
    position: string,
    value: string,
    kept: string,
    keptAt: string,
  ): void {
    const key = `${what}\u0000${code}`;
    if (this.noticed.has(key)) return;
    this.noticed.add(key);
    this.notices.push({
      position,
      field: what === 'name' ? 'department.name' : 'department.parentCode',
      message:
        what === 'name'
          ? `department "${code}" is named "${value}" here but "${kept}" at ${keptAt}; the first name given ("${kept}") is kept`
          : `department "${code}" has parent "${value}" here but "${kept}" at ${keptAt}; the first parent given ("${kept}") is kept`,
    });
  }
}
