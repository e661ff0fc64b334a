/** "Did you mean ...?": the closest candidate by edit distance, if it is close enough to be a likely typo. */

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours ("nmae" -> "name" is 1):
 * the optimal-string-alignment variant of Damerau-Levenshtein, with three rolling rows. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, before[j - 2]! + 1);
      row[j] = best;
    }
    before = prev;
    prev = row;
  }
  return prev[b.length]!;
}

/** The best candidate within a distance of about a third of the word (at least 1, at most 3); case-insensitive
 * matches win outright. Words under 2 characters get no suggestion (everything is 1 edit away). */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  if (word.length < 2) return undefined;
  const lower = word.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function didYouMeanHint(word: string, candidates: Iterable<string>): string | undefined {
  const suggestion = didYouMean(word, candidates);
  return suggestion === undefined ? undefined : `did you mean '${suggestion}'?`;
}
