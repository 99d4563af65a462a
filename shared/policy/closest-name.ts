/** The candidate a misspelt `word` most likely meant (edit distance ≤ 2, case-insensitive), if any. */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** How to fix a reference to an unknown name: the likely one, else the list. */
export function unknownNameHint(word: string, candidates: readonly string[], what: string): string {
  const guess = closestName(word, candidates);
  if (guess !== undefined) return `did you mean "${guess}"?`;
  return candidates.length === 0 ? `the policy has no ${what}` : `name one of ${candidates.map((id) => `"${id}"`).join(', ')}`;
}
