import type { AuditRecord } from '../../../shared/audit/audit-record.js';
import type { ExposureAnswer } from '../../../shared/audit/exposure.js';
import type { ChainReport } from '../../../shared/audit/verify-chain.js';

/** One record a line: `seq n time kind component data`. */
export function recordLine(record: AuditRecord): string {
  return `${String(record.seq ?? '?').padStart(6)} ${String(record.n).padStart(6)}  ${record.at}  ${record.kind.padEnd(13)} ${record.component.padEnd(14)} ${JSON.stringify(record.data)}`;
}

export function chainReportText(host: string, report: ChainReport): string {
  if (report.ok) {
    const head = report.head === null ? 'empty' : `head n ${report.head.n}, ${report.head.hash.slice(0, 16)}…`;
    return `audit log of host "${host}": ${report.records} records, chain intact (${head})`;
  }
  const { fault, seq, n, message } = report.problem;
  return `audit log of host "${host}": chain broken at stream seq ${seq ?? '?'} (n ${n ?? '-'}): ${fault}\n  ${message}`;
}

export function exposureText(answer: ExposureAnswer): string {
  const lines = [`${answer.component} compromised from ${answer.since}, asked up to ${answer.horizon}:`, '', 'compromised:'];
  for (const { component, role, windows } of answer.compromised) {
    windows.forEach((window, i) => lines.push(`  ${component} (${role ?? 'role unknown'}) window ${i + 1}: ${span(window)}`, ...reasons(window.because)));
  }
  lines.push('', answer.guests.length === 0 ? 'no guest exposed' : 'guests exposed:');
  for (const { guest, exposures } of answer.guests) {
    for (const exposure of exposures) {
      lines.push(`  ${guest} via ${exposure.service} (${exposure.via})  ${span(exposure)}`, `      because ${exposure.because}`, `            ↳ while ${exposure.service} was compromised (its window ${exposure.window + 1} above)`);
    }
  }
  return lines.join('\n');
}

function span(interval: { from: string; to: string; open: boolean }): string {
  return `${interval.from} → ${interval.to}${interval.open ? ' and on' : ''}`;
}

function reasons(because: string[]): string[] {
  return because.map((step, i) => `      ${i === 0 ? 'because' : '      ↳'} ${step}`);
}
