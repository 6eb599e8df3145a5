import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csvCell, exportPreamble, formatEntries } from './export-formats.js';

describe('csvCell', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\t=1', "'\t=1"],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a=b', 'a=b'],
  ])('%j becomes %j', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });
});

describe('formatEntries', () => {
  const row = {
    id: '00000000-0000-4000-8000-000000000001',
    event_type: 'UPDATED',
    changes: { title: { old: 'a', new: 'b, "c"' } },
    metadata: {},
    security_flags: ['REPEATED_DENIALS'],
    created_at: new Date('2024-01-02T03:04:05.678Z'),
    entity_id: null,
  };

  it('writes CSV rows in the fixed columns, nested values as JSON, CRLF ends', () => {
    expect(exportPreamble('csv')).toBe(
      'id,tenant_id,correlation_id,event_type,entity_type,entity_id,actor_id,changes,metadata,' +
        'ip_address,user_agent,security_flags,created_at,retention_until,state_transition,' +
        'bulk_operation,permission_denial\r\n',
    );
    const line = formatEntries('csv', [row]);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(line).toBe(
      CSV_COLUMNS.map((column) => {
        if (column === 'id') return row.id;
        if (column === 'event_type') return 'UPDATED';
        if (column === 'changes') return '"{""title"":{""old"":""a"",""new"":""b, \\""c\\""""}}"';
        if (column === 'metadata') return '{}';
        if (column === 'security_flags') return '"[""REPEATED_DENIALS""]"';
        if (column === 'created_at') return '2024-01-02T03:04:05.678Z';
        return '';
      }).join(',') + '\r\n',
    );
  });

  it('writes NDJSON lines, one entry each', () => {
    expect(exportPreamble('ndjson')).toBe('');
    const text = formatEntries('ndjson', [row, row]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual({ ...row, created_at: '2024-01-02T03:04:05.678Z' });
  });
});
