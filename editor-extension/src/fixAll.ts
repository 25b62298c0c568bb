/**
 * "Apply all verified fixes in the file": pick the server's quick fixes that can be applied together,
 * apply them, let the server re-check, and repeat, like `weavergen fix` does for a whole registry.
 * Works on LSP protocol objects (no `vscode` import), so the selection and the rounds are unit-tested.
 */

import type { CodeAction, Command, Range, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';

export const MAX_ROUNDS = 5;

export interface PlannedFix {
  title: string;
  edits: TextEdit[];
}

type Position = Range['start'];

function compare(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

function isEmpty(r: Range): boolean {
  return compare(r.start, r.end) === 0;
}

/**
 * True when two edits cannot be applied together: they share text, or an insert sits inside or at the
 * edge of the other (two inserts at one place count too: their order would be ambiguous). Two
 * replacements that only meet at an end point are fine.
 */
export function overlaps(a: Range, b: Range): boolean {
  if (compare(a.start, b.end) > 0 || compare(b.start, a.end) > 0) {
    return false;
  }
  const meetOnly = compare(a.end, b.start) === 0 || compare(b.end, a.start) === 0;
  return !(meetOnly && !isEmpty(a) && !isEmpty(b));
}

/** The plain text edits of an action for one document; undefined when it does anything else. */
export function plainEdits(edit: WorkspaceEdit | undefined, uri: string): TextEdit[] | undefined {
  if (edit === undefined) {
    return undefined;
  }
  const out: TextEdit[] = [];
  for (const [target, edits] of Object.entries(edit.changes ?? {})) {
    if (target !== uri) {
      return undefined;
    }
    out.push(...edits);
  }
  for (const change of edit.documentChanges ?? []) {
    if (!('textDocument' in change) || change.textDocument.uri !== uri) {
      return undefined; // a file create/rename/delete, or another file
    }
    for (const e of change.edits) {
      if (!('newText' in e) || typeof e.newText !== 'string') {
        return undefined; // a snippet: it needs a human to fill the placeholder
      }
      out.push({ range: e.range, newText: e.newText });
    }
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The quick fixes of one round: plain edits on this document only, no snippets, no two touching the
 * same text. Preferred fixes go first; otherwise the server's order is kept.
 */
export function selectFixes(actions: (CodeAction | Command)[], uri: string): PlannedFix[] {
  const candidates = actions
    .filter((a): a is CodeAction => typeof a.command !== 'string')
    .filter((a) => a.kind === undefined || a.kind === 'quickfix' || a.kind.startsWith('quickfix.'))
    .filter((a) => a.disabled === undefined && a.command === undefined)
    .map((a, index) => ({ action: a, index, edits: plainEdits(a.edit, uri) }))
    .filter((c): c is { action: CodeAction; index: number; edits: TextEdit[] } => c.edits !== undefined)
    .sort((x, y) => Number(y.action.isPreferred === true) - Number(x.action.isPreferred === true) || x.index - y.index);
  const chosen: PlannedFix[] = [];
  const taken: Range[] = [];
  for (const c of candidates) {
    if (c.edits.some((e) => taken.some((t) => overlaps(t, e.range)))) {
      continue;
    }
    taken.push(...c.edits.map((e) => e.range));
    chosen.push({ title: c.action.title, edits: c.edits });
  }
  return chosen;
}

export interface FixRoundsDeps {
  /** The server's code actions for the whole document, as it is now. */
  request(): Promise<(CodeAction | Command)[]>;
  /** Apply the edits to the document; false when the editor refused (the document changed meanwhile). */
  apply(edits: TextEdit[]): Promise<boolean>;
  /** Wait until the server has re-checked the edited document; false on timeout. */
  settle(): Promise<boolean>;
}

export interface FixRoundsResult {
  applied: string[];
  rounds: number;
  /** Why the rounds stopped early, when they did. */
  stopped?: 'refused' | 'timeout' | 'max-rounds';
}

/** Apply fixes round by round until none is left (at most `maxRounds` rounds). */
export async function applyFixRounds(uri: string, deps: FixRoundsDeps, maxRounds = MAX_ROUNDS): Promise<FixRoundsResult> {
  const applied: string[] = [];
  for (let round = 1; round <= maxRounds; round++) {
    const fixes = selectFixes(await deps.request(), uri);
    if (fixes.length === 0) {
      return { applied, rounds: round - 1 };
    }
    if (!(await deps.apply(fixes.flatMap((f) => f.edits)))) {
      return { applied, rounds: round, stopped: 'refused' };
    }
    applied.push(...fixes.map((f) => f.title));
    if (!(await deps.settle())) {
      return { applied, rounds: round, stopped: 'timeout' };
    }
  }
  const left = selectFixes(await deps.request(), uri);
  return left.length > 0 ? { applied, rounds: maxRounds, stopped: 'max-rounds' } : { applied, rounds: maxRounds };
}

/** Apply non-overlapping edits to a text (offsets computed on the original), as an editor does. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      lineStarts.push(i + 1);
    }
  }
  const offset = (p: Range['start']): number => Math.min((lineStarts[p.line] ?? text.length) + p.character, text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}
