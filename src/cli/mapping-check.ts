import { stat } from 'node:fs/promises';
import path from 'node:path';
import { connectors, connectorNames, isConnectorName, type ConnectorName } from '../../connectors/index.js';
import { isSameBsn, normalizeBsn } from '../domain/bsn.js';
import { AppError } from '../errors.js';
import { redactText } from '../log.js';
import { vaultFieldsSchema } from '../vault/fields.js';
import {
  finish,
  loadMapping,
  mapDraft,
  sourceColumns,
  type Draft,
  type Mapping,
} from '../sync/mapping/index.js';
import type { FieldProblem } from '../sync/types.js';
import { bsnStatus } from '../sync/validate.js';
import { mappingSpelling } from '../sync/columns.js';
import { countOption, exitCodes, UsageError, type Command } from './command.js';

const extensions: Record<string, ConnectorName> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.xml': 'sivi',
};

interface CheckedRecord {
  position: string;
  ok: boolean;
  mapped: {
    employee: Record<string, unknown>;
    vault: Record<string, string>;
    employments: Record<string, unknown>[];
    departments: Record<string, unknown>[];
  };
  problems: FieldProblem[];
}

/**
 * `koppeling mapping check <mapping-file> --sample <file>`: reads a sample delivery through its
 * connector and shows the first records as mapped, with every problem, before a link goes live.
 * Vault values are never printed: only whether they are present and valid.
 */
export const mappingCheckCommand: Command = {
  name: ['mapping', 'check'],
  usage:
    'koppeling mapping check <mapping-file> --sample <source-file> [--connector csv|sivi] [--limit N] [--json]',
  summary: 'Show the first records of a sample delivery as mapped, with every problem.',
  options: {
    sample: { type: 'string' },
    connector: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, io }) {
    const sample = values.sample;
    if (typeof sample !== 'string' || sample === '')
      throw new UsageError('--sample <source-file> is required');
    const limit = countOption(values.limit, 'limit', 10);
    const info = await stat(sample).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`the sample file ${sample} does not exist or is not a file`);
    const mapping = await loadMapping(positionals[0]!);
    const connectorName = pickConnector(values.connector, sample, mapping);
    const connector = connectors[connectorName];
    const config = connector.configSchema.parse({ file: sample });

    const records: CheckedRecord[] = [];
    const reads = sourceColumns(mapping);
    let header: readonly string[] | undefined;
    let failure: string | undefined;
    try {
      for await (const record of connector.read(config as never, {
        onColumns: (names) => (header = mappingSpelling(reads, names)),
      })) {
        const { draft, problems: mappingProblems } = mapDraft(mapping, record);
        const outcome = finish(draft, mappingProblems);
        records.push({
          position: record.position,
          ok: outcome.ok,
          // Values that may stand under the wrong names are not shown as mapped either.
          mapped: draft.shifted
            ? { employee: {}, vault: {}, employments: [], departments: [] }
            : masked(draft),
          // As in the run's quarantine: a reason quoting a BSN-like value does not show it.
          problems: outcome.ok ? [] : outcome.problems.map((p) => ({ ...p, reason: redactText(p.reason) })),
        });
        if (records.length >= limit) break;
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      failure = redactText(err.message);
    }
    const columns = header ? new Set(header) : undefined;
    const missingColumns = columns ? reads.filter((c) => !columns.has(c)) : [];
    const withProblems = records.filter((r) => !r.ok).length;
    const problemCount = records.reduce((n, r) => n + r.problems.length, 0);
    const summary = {
      records: records.length,
      ok: records.length - withProblems,
      withProblems,
      problems: problemCount,
    };

    if (values.json) {
      io.stdout.write(
        JSON.stringify(
          {
            mapping: { name: mapping.name, file: mapping.file },
            connector: connectorName,
            sample,
            records,
            summary,
            missingColumns,
            ...(failure ? { error: failure } : {}),
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.stdout.write(renderText(mapping, connectorName, sample, records, summary, missingColumns, failure));
    }
    return failure || withProblems > 0 ? exitCodes.failed : exitCodes.ok;
  },
};

function pickConnector(flag: unknown, sample: string, mapping: Mapping): ConnectorName {
  if (typeof flag === 'string') {
    if (!isConnectorName(flag))
      throw new UsageError(`--connector must be one of ${connectorNames.join(', ')}, got "${flag}"`);
    return flag;
  }
  const byExtension = extensions[path.extname(sample).toLowerCase()];
  if (byExtension) return byExtension;
  if (mapping.connector) return mapping.connector;
  throw new UsageError(
    `cannot tell the connector from "${path.basename(sample)}": give --connector ${connectorNames.join('|')}`,
  );
}

/**
 * The draft with every vault value replaced by whether it is present and valid, any other value
 * that is the person's BSN (a key that is, validation refuses) not shown either, and BSN-like
 * numbers redacted as in the quarantine.
 */
function masked(draft: Draft): CheckedRecord['mapped'] {
  const vault: Record<string, string> = {};
  for (const [field, value] of Object.entries(draft.vault)) {
    if (value === undefined) continue;
    vault[field] = vaultStatus(field, value);
  }
  const bsn = typeof draft.vault.bsn === 'string' ? normalizeBsn(draft.vault.bsn) : undefined;
  const hide = (fields: Record<string, unknown>) => {
    const out = { ...fields };
    for (const [key, value] of Object.entries(out)) {
      if (bsn && isSameBsn(value, bsn)) out[key] = '(the BSN, not shown)';
      // As in the quarantine: a BSN-like number in any other field is not shown either.
      else if (typeof value === 'string' || typeof value === 'number') {
        const shown = redactText(String(value));
        if (shown !== String(value)) out[key] = shown;
      }
    }
    return out;
  };
  return {
    employee: hide(draft.employee),
    vault,
    employments: draft.employments.map(hide),
    departments: draft.departments.map(hide),
  };
}

function vaultStatus(field: string, value: unknown): string {
  if (field === 'bsn') return `(present, ${bsnStatus(value)})`;
  const schema = (vaultFieldsSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[
    field
  ];
  const valid = schema ? schema.safeParse(value).success : false;
  const count = Array.isArray(value) ? `${value.length} value${value.length === 1 ? '' : 's'}, ` : '';
  return `(${count || 'present, '}${valid ? 'valid' : 'invalid'})`;
}

function renderText(
  mapping: Mapping,
  connector: string,
  sample: string,
  records: CheckedRecord[],
  summary: { records: number; ok: number; withProblems: number; problems: number },
  missingColumns: string[],
  failure: string | undefined,
): string {
  const lines: string[] = [];
  lines.push(`Mapping ${mapping.name} (${mapping.file}), connector ${connector}, sample ${sample}`);
  if (missingColumns.length > 0) {
    lines.push(`Columns the mapping reads that the file does not have: ${missingColumns.join(', ')}`);
  }
  records.forEach((r, i) => {
    lines.push('');
    lines.push(
      `Record ${i + 1} at ${r.position}: ${r.ok ? 'OK' : `${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}`}`,
    );
    const rows: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(r.mapped.employee)) rows.push([`employee.${k}`, show(v)]);
    for (const [k, v] of Object.entries(r.mapped.vault)) rows.push([`vault.${k}`, v]);
    r.mapped.employments.forEach((e, n) => {
      for (const [k, v] of Object.entries(e)) rows.push([`employments[${n + 1}].${k}`, show(v)]);
    });
    r.mapped.departments.forEach((d, n) => {
      for (const [k, v] of Object.entries(d)) rows.push([`departments[${n + 1}].${k}`, show(v)]);
    });
    const width = Math.max(0, ...rows.map(([k]) => k.length));
    for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
    for (const p of r.problems) lines.push(`  ! ${p.field}: ${p.reason}`);
  });
  lines.push('');
  if (failure) lines.push(`The sample could not be read to the end: ${failure}`);
  lines.push(
    `Summary: ${summary.records} record${summary.records === 1 ? '' : 's'} checked: ${summary.ok} without problems, ${summary.withProblems} with problems (${summary.problems} problem${summary.problems === 1 ? '' : 's'}).`,
  );
  return lines.join('\n') + '\n';
}

function show(v: unknown): string {
  if (typeof v === 'string') return /^\s|\s$|^$/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}
