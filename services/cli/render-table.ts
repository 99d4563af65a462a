/** Rows as left-aligned columns under their titles, two spaces apart. */
export function renderTable<T>(columns: ReadonlyArray<{ title: string; cell: (row: T) => string }>, rows: readonly T[]): string {
  const cells = [columns.map((column) => column.title), ...rows.map((row) => columns.map((column) => column.cell(row)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]?.length ?? 0)));
  return cells.map((line) => line.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ').trimEnd()).join('\n');
}
