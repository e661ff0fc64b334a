/** "Did you mean ...?": the closest candidate by edit distance, if it is close enough to be a likely typo. */

/** Rows reused by editDistance (grown on demand): did-you-mean may compare thousands of pairs. */
let rows = [new Int32Array(32), new Int32Array(32), new Int32Array(32)];

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of neighbours ("nmae" -> "name" is 1):
 * the optimal-string-alignment variant of Damerau-Levenshtein, with three rolling rows. With `limit`, it stops
 * as soon as the distance must exceed it and then returns some value above `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  if (rows[0]!.length <= b.length) rows = rows.map(() => new Int32Array(b.length * 2));
  let [before, prev, row] = rows as [Int32Array, Int32Array, Int32Array];
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  let prevMin = 0;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const bj = b.charCodeAt(j - 1);
      let best = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      row[j] = best;
      if (best < rowMin) rowMin = best;
    }
    // every alignment passes through this row or (by a swap) the one before it
    if (rowMin > limit && prevMin > limit) return limit + 1;
    [before, prev, row] = [prev, row, before];
    prevMin = rowMin;
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
    // a longer or shorter candidate cannot be a case-insensitive match, nor close enough
    if (Math.abs(candidate.length - word.length) > limit) continue;
    const other = candidate.toLowerCase();
    if (other === lower) return candidate;
    const distance = editDistance(lower, other, Math.min(limit, bestDistance - 1));
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

/**
 * Did-you-mean for many words against one set of candidates (state ids, variable names): each word is looked up
 * once, and the total work is bounded, so a generated flow with thousands of mistakes is still checked in linear
 * time. Once the budget (in comparisons) is spent, later words get no suggestion.
 */
export class Suggestions {
  private list: readonly string[] | undefined;
  private readonly cache = new Map<string, string | undefined>();

  constructor(
    private readonly candidates: Iterable<string>,
    private budget = 1_000_000,
  ) {}

  suggest(word: string): string | undefined {
    if (this.cache.has(word)) return this.cache.get(word);
    this.list ??= [...this.candidates];
    if (this.budget < this.list.length) return undefined;
    this.budget -= this.list.length;
    const suggestion = didYouMean(word, this.list);
    this.cache.set(word, suggestion);
    return suggestion;
  }

  hint(word: string): string | undefined {
    const suggestion = this.suggest(word);
    return suggestion === undefined ? undefined : `did you mean '${suggestion}'?`;
  }
}
