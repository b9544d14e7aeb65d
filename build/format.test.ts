/**
 * One size format and one time format across the CLI and the app (issue 12 §6): the renderer repeats core's two
 * formatters (it may not import core values), so they are held equal here on the same inputs.
 */
import { describe, expect, it } from 'vitest';
import { formatBytes, formatTime } from '../core/format.js';
import { bytes, when } from '../renderer/src/lib/units.js';

const SIZES = [
  0,
  1,
  512,
  1023,
  1024,
  1536,
  10 * 1024 - 1,
  1024 ** 2 - 1,
  1024 ** 2,
  104_857_600,
  93_784_768,
  1024 ** 3 - 1,
  1_610_612_736,
  5 * 1024 ** 4,
  NaN,
];
const TIMES = [
  '2025-11-29T00:16:00.000Z',
  '2025-01-01T23:59:59.999Z',
  '1999-12-31T12:00:00+09:00',
  '2025-06-30T09:05:00.123456Z',
  new Date().toISOString(),
  'Tue Nov 29 00:16:00 UTC 2025',
  'not a time',
  'No Update since Installation',
];

describe('the one size and time format', () => {
  it('writes every size the same in the CLI and the app', () => {
    for (const n of SIZES) expect(bytes(n), String(n)).toBe(formatBytes(n));
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(104_857_600)).toBe('100.0 MB');
    expect(formatBytes(1_610_612_736)).toBe('1.50 GB');
  });

  it('writes every time the same, as local "YYYY-MM-DD HH:MM"', () => {
    for (const t of TIMES) expect(when(t), t).toBe(formatTime(t));
    expect(formatTime('2025-11-29T00:16:00.000Z')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    expect(formatTime('not a time')).toBe('not a time');
    expect(when(null)).toBe('—');
  });
});
