import fc from 'fast-check';
import { InvalidInputError } from '../../lib/core/errors';
import { addPartitionStatements, msckStatement, parseMsckResult, quoteIdentifier, quoteValue } from '../../lib/partitions/athena-statements';

describe('athena-statements', () => {
  it('quotes valid identifiers with backticks and refuses anything else, naming the field', () => {
    expect(msckStatement('sales_db', 'orders')).toBe('MSCK REPAIR TABLE `sales_db`.`orders`');
    for (const bad of ['a`b', 'a b', 'x;DROP', '', 'a.b', "a'b"]) {
      expect(() => quoteIdentifier(bad, 'table')).toThrow(InvalidInputError);
    }
    expect(() => msckStatement('db', 't`; DROP TABLE x; --')).toThrow(/table:/);
  });

  it('refuses single quotes, which Hive drops, backslashes and control characters', () => {
    expect(quoteValue('2024-01-05 東京')).toBe("'2024-01-05 東京'");
    expect(() => quoteValue("it's")).toThrow(/single quote/);
    expect(() => quoteValue('a\\')).toThrow(/backslash/);
    expect(() => quoteValue('a\nb')).toThrow(/control/);
  });

  it('keeps every quoted value one literal (property)', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        // eslint-disable-next-line no-control-regex
        fc.pre(!/['\\\u0000-\u001f\u007f]/.test(value));
        const quoted = quoteValue(value);
        // No quote inside the quotes: the literal cannot end early, and Hive reads it as written.
        expect(quoted.slice(1, -1)).not.toContain("'");
        expect(quoted).toBe(`'${value}'`);
      }),
    );
  });

  it('splits ALTER TABLE ADD statements under the size limit, keeping every partition once', () => {
    const partitions = Array.from({ length: 50 }, (_, i) => ({ values: [`2024-01-${i}`, '東京'], location: `s3://b/t/dt=2024-01-${i}/city=東京/` }));
    const statements = addPartitionStatements('db', 't', ['dt', 'city'], partitions, 1000);
    expect(statements.length).toBeGreaterThan(1);
    for (const s of statements) {
      expect(Buffer.byteLength(s)).toBeLessThanOrEqual(1000);
      expect(s.startsWith('ALTER TABLE `db`.`t` ADD IF NOT EXISTS')).toBe(true);
    }
    const clauses = statements.join('\n').match(/PARTITION \(/g) ?? [];
    expect(clauses).toHaveLength(50);
    expect(statements[0]).toContain("PARTITION (`dt` = '2024-01-0', `city` = '東京') LOCATION 's3://b/t/dt=2024-01-0/city=東京/'");
  });

  it('returns no statement for no partition', () => {
    expect(addPartitionStatements('db', 't', ['dt'], [])).toEqual([]);
  });

  it('parses MSCK rows: added, and found but not added', () => {
    const outcome = parseMsckResult([
      ['Partitions not in metastore:\tsales:dt=2024-01-01\tsales:dt=2024-01-02\tsales:ts=09:00'],
      ['Repair: Added partition to metastore sales:dt=2024-01-01'],
      ['Repair: Added partition to metastore sales:dt=2024-01-02'],
    ]);
    expect(outcome.added).toEqual(['sales:dt=2024-01-01', 'sales:dt=2024-01-02']);
    expect(outcome.notAdded).toEqual(['sales:ts=09:00']);
  });

  it('matches Repair lines that name the table as the statement did (db.table), as older Hive writes them', () => {
    // Hive 1.x: "not in metastore" entries carry the bare table name, Repair lines MsckDesc's name (`sales_db.sales`).
    const outcome = parseMsckResult([
      ['Partitions not in metastore:\tsales:dt=2024-01-01\tsales:ts=09%3A00'],
      ['Repair: Added partition to metastore sales_db.sales:dt=2024-01-01'],
    ]);
    expect(outcome.added).toEqual(['sales_db.sales:dt=2024-01-01']);
    expect(outcome.notAdded).toEqual(['sales:ts=09%3A00']);
  });

  it('reads lines split across rows and cells', () => {
    const outcome = parseMsckResult([['Partitions not in metastore:', 'sales:Year=2024'], ['Partitions missing from filesystem:\tsales:x=1']]);
    expect(outcome.notAdded).toEqual(['sales:Year=2024']);
    expect(outcome.added).toEqual([]);
  });
});
