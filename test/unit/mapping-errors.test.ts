import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { baseMapping, refusedMapping } from '../helpers/mapping.js';
import { parseMapping } from '../../src/sync/mapping/index.js';

const base = baseMapping;
const refused = (text: string, file?: string) => refusedMapping(text, file);

const problems = (text: string, file?: string): string[] => refused(text, file).message.split('\n').slice(1);

/** The base mapping with the lastName entry's transforms set to `transforms`. */
const withTransforms = (transforms: string) =>
  base.replace('source: Naam, required: true', `source: Naam, required: true, transforms: [${transforms}]`);

describe('mapping file errors: transforms', () => {
  it('When a transform name is misspelt, then the error names it, the one meant and the known ones', () => {
    expect(problems(withTransforms('trim, uper'))).toEqual([
      expect.stringMatching(
        /: employee\[1\]\.transforms\[1\]: unknown transform "uper" \(did you mean "upper"\?\); known: trim, upper, lower, .*, initials, \{ date: \.\.\. \}, \{ codes: \.\.\. \}, .*\{ suffix: \.\.\. \}$/,
      ),
    ]);
    expect(problems(withTransforms('reverse'))[0]).toMatch(/: unknown transform "reverse"; known: trim, /);
    expect(problems(withTransforms('date'))[0]).toMatch(
      /transforms\[0\]: transform "date" needs a value: write it as \{ date: \.\.\. \}$/,
    );
  });

  it('When a date format is not known, then the error quotes it and lists the known formats', () => {
    const known =
      'known: dd-mm-yyyy, d-m-yyyy, dd/mm/yyyy, d/m/yyyy, dd.mm.yyyy, d.m.yyyy, yyyy-mm-dd, yyyymmdd, xsd:date';
    expect(problems(base.replace('date: d-m-yyyy', 'date: mm/dd/yyyy'))[0]).toMatch(
      `: employments.fields[0].transforms[0].date: date format "mm/dd/yyyy" is not known; ${known}`,
    );
    expect(problems(base.replace('date: d-m-yyyy', 'date: [d-m-yyyy, DD-MM-YYYY]'))[0]).toMatch(
      `: employments.fields[0].transforms[0].date[1]: date format "DD-MM-YYYY" is not known (did you mean "dd-mm-yyyy"?); ${known}`,
    );
    expect(problems(base.replace('date: d-m-yyyy', 'date: 8'))[0]).toMatch(
      `transforms[0].date: must be a date format (found the number 8); ${known}`,
    );
  });

  it('When a transform object has an unknown key or two transforms, then the error says so', () => {
    expect(problems(withTransforms('{ dat: d-m-yyyy }'))[0]).toMatch(
      /transforms\[0\]: unknown transform "dat" \(did you mean "date"\?\); known: trim, /,
    );
    expect(problems(withTransforms('{ date: d-m-yyyy, prefix: x }'))[0]).toMatch(
      /transforms\[0\]: holds 2 transforms \(date, prefix\); write each as its own item of the list$/,
    );
    expect(problems(withTransforms('12'))[0]).toMatch(
      /transforms\[0\]: must be a transform such as trim or \{ date: dd-mm-yyyy \} \(found the number 12\); known: /,
    );
  });

  it('When an option of a transform is wrong, then the error names that option', () => {
    expect(problems(withTransforms('{ codes: gender, unknown: skip }'))[0]).toMatch(
      /transforms\[0\]\.unknown: must be error, keep or empty \(found the text "skip"\)$/,
    );
    expect(problems(withTransforms('{ codes: gender, unknwn: keep }'))[0]).toMatch(
      /transforms\[0\]: unknown key "unknwn" \(did you mean "unknown"\?\)$/,
    );
    expect(problems(withTransforms('{ replace: { pattern: a } }'))[0]).toMatch(
      /transforms\[0\]\.replace\.with: is required \(text\)$/,
    );
    expect(problems(withTransforms('{ codes: 12 }'))[0]).toMatch(
      /transforms\[0\]\.codes: must be the name of a code table or the codes written out \(\{ A: X, B: Y \}\) \(found the number 12\)$/,
    );
    expect(problems(withTransforms('{ codes: nosuchtable }'))[0]).toMatch(
      /transforms\[0\]\.codes: unknown code table "nosuchtable"; define it under codeTables or use one of gender, contract$/,
    );
  });

  it('When two codes of a table are one code as it reads them but give different values, then the mapping is refused', () => {
    expect(problems(withTransforms("{ codes: { fin: FIN-NL, 'FIN ': FIN-INT } }"))[0]).toMatch(
      /transforms\[0\]\.codes: the codes "fin" and "FIN " are one code as the table reads them \(case and spaces do not count\) but give FIN-NL and FIN-INT: keep one of them, or set caseSensitive: true$/,
    );
    const table = (caseSensitive: boolean) =>
      `${withTransforms('{ codes: afd }')}codeTables:\n  afd: { caseSensitive: ${caseSensitive}, map: { 'Verkoop  Noord': VN, 'verkoop noord': VN2, x: A, X: A } }\n`;
    expect(problems(table(false))[0]).toMatch(
      /codeTables\.afd\.map: the codes "Verkoop {2}Noord" and "verkoop noord"/,
    );
    // Case sensitive, they are two codes; the same value twice is no clash.
    expect(() => parseMapping(table(true), 'mappings/t.yaml')).not.toThrow();
  });
});

describe('mapping file errors: values of the wrong kind', () => {
  it.each([
    ['required: "yes"', 'employee[0].required: must be true or false (found the text "yes")'],
    ['required: yes', 'employee[0].required: must be true or false (found the text "yes")'],
    [
      'source: 12',
      'employee[0].source: must be text (found the number 12; write it in quotes to make it text)',
    ],
    ['target: [a]', 'employee[0].target: must be text (found a list)'],
    ['source: ', 'employee[0].source: must be text (found no value)'],
    ['constant: [a]', 'employee[0].constant: must be text, a number or true or false (found a list)'],
  ])('When an entry has %s, then the error says what it must be and what it found', (written, message) => {
    const key = written.split(':')[0]!;
    const entry = { required: 'required: true', source: 'source: Nr', target: 'target: personnelNumber' }[
      key
    ];
    const text = base.replace(entry ?? 'source: Nr', written);
    expect(problems(text)[0]).toMatch(new RegExp(`: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('When a key is left out, then it is required; when the value inside a list is wrong, that item is named', () => {
    expect(problems(base.replace('name: t\n', ''))[0]).toMatch(/: name: is required \(text\)$/);
    expect(problems(base.replace('target: lastName, ', ''))[0]).toMatch(
      /: employee\[1\]\.target: is required \(text\)$/,
    );
    expect(
      problems(base.replace('source: Naam,', 'source: Naam, each: Adres, where: { Srt: [1] },'))[0],
    ).toMatch(
      /: employee\[1\]\.where\.Srt\[0\]: must be text \(found the number 1; write it in quotes to make it text\)$/,
    );
    // A group without items to filter: `where` would be ignored, so it is refused.
    expect(problems(base.replace('employments:\n', 'employments:\n  where: { Status: actief }\n'))).toEqual([
      expect.stringMatching(/:\d+: employments\.where: `where` needs `each`$/),
    ]);
    expect(problems(base + 'connector: afas\n')[0]).toMatch(
      /: connector: must be csv or sivi \(found the text "afas"\)$/,
    );
    expect(problems(base.replace(/fields:\n.*\n/, 'fields: []\n'))[0]).toMatch(
      /: employments\.fields: must have at least 1 item$/,
    );
  });
});

describe('mapping file errors: lines', () => {
  const block = [
    'version: 1', // 1
    'name: t', // 2
    'employee:', // 3
    '  - target: personnelNumber', // 4
    '    source: Nr', // 5
    '    required: 1', // 6
    '  - target: lastName', // 7
    '    source: Naam', // 8
    '    transforms:', // 9
    '      - trim', // 10
    '      - uper', // 11
    '    trasforms: [trim]', // 12
    '  - label: Initialen', // 13
    '    source: Vl', // 14
    'employments:', // 15
    '  fields:', // 16
    '    - { target: startDate, source: Start, transforms: [{ date: dd/mm/yy }] }', // 17
  ].join('\n');

  it('When a file has several problems, then each names its own line, in the order of the file', () => {
    expect(problems(block).map((p) => /^mappings\/t\.yaml:(\d+): ([^:]+):/.exec(p)?.slice(1))).toEqual([
      ['6', 'employee[0].required'],
      ['11', 'employee[1].transforms[1]'],
      // The unknown key's own line; a missing key gives the line of its entry.
      ['12', 'employee[1]'],
      ['13', 'employee[2].target'],
      ['17', 'employments.fields[0].transforms[0].date'],
    ]);
    expect(refused(block).details).toMatchObject({
      issues: expect.arrayContaining([
        { path: 'employee[1]', line: 12, message: expect.stringMatching(/trasforms/) },
      ]),
    });
  });

  it('When a target, a code table or a needed target is wrong, then that error has the line too', () => {
    expect(problems(base.replace('target: lastName', 'target: lastname'))[0]).toMatch(
      /^mappings\/t\.yaml:6: employee\[1\]\.target: unknown target "lastname"; known targets here: personnelNumber, /,
    );
    expect(problems(withTransforms('trim, { codes: colours }'))[0]).toMatch(
      /^mappings\/t\.yaml:6: employee\[1\]\.transforms\[1\]\.codes: unknown code table "colours"/,
    );
    expect(problems(base.replace(/ {2}- \{ target: lastName.*\n/, ''))[0]).toMatch(
      /^mappings\/t\.yaml:4: employee: has no entry with target "lastName"/,
    );
  });

  it('When the file is empty or JSON, then the error still has a line', () => {
    expect(problems('')).toEqual([
      'mappings/t.yaml:1: (top level): must be key: value pairs (found no value)',
    ]);
    const json = JSON.stringify(
      {
        version: 1,
        name: 'j',
        employee: [{ target: 'personnelNumber', source: 'Nr', required: 'yes' }],
        employments: { fields: [{ target: 'startDate', source: 'Start' }] },
      },
      null,
      2,
    );
    expect(problems(json, 'mappings/j.json')).toEqual([
      'mappings/j.json:8: employee[0].required: must be true or false (found the text "yes")',
    ]);
  });

  it('When a file named as a mapping holds something else, then the error says so without quoting it', () => {
    const delivery = 'BSN;Straat;Huisnummer\n123456782;Kerkstraat;12\n';
    expect(problems(delivery, 'mappings/x.yaml')).toEqual([
      'mappings/x.yaml:1: (top level): must be key: value pairs (found text)',
    ]);
    expect(refused(delivery, 'mappings/x.json').message).toBe('mappings/x.json: not valid JSON.');
    expect(refused('{\n  "bsn": 123456782,,\n}', 'mappings/x.json').message).toBe(
      'mappings/x.json:2: not valid JSON.',
    );
  });

  it('When the README shows a broken mapping file, then its message is the one printed for it', () => {
    const doc = readFileSync('mappings/README.md', 'utf8');
    const example =
      /```yaml\n(# mappings\/acme\.yaml\n[\s\S]*?)```[\s\S]*?```\n(Mapping file is not valid:\n[\s\S]*?)\n```/.exec(
        doc,
      );
    expect(example).not.toBeNull();
    expect(refused(example![1]!, 'mappings/acme.yaml').message).toBe(example![2]);
  });
});
