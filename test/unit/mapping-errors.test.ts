import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { parseMapping } from '../../src/sync/mapping/index.js';

// Line 5: personnelNumber, line 6: lastName, line 9: startDate.
const base = `
version: 1
name: t
employee:
  - { target: personnelNumber, source: Nr, required: true }
  - { target: lastName, source: Naam, required: true }
employments:
  fields:
    - { target: startDate, source: Start, transforms: [{ date: d-m-yyyy }], required: true }
`;

/** The error of a mapping that must be refused, one line per problem. */
function refused(text: string, file = 'mappings/t.yaml'): AppError {
  try {
    parseMapping(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected the mapping to be refused');
}

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
    expect(problems(base + 'connector: afas\n')[0]).toMatch(
      /: connector: must be csv or sivi \(found the text "afas"\)$/,
    );
    expect(problems(base.replace(/fields:\n.*\n/, 'fields: []\n'))[0]).toMatch(
      /: employments\.fields: must have at least 1 item$/,
    );
  });
});
