/**
 * What the docs tests read out of Markdown: heading anchors (as GitHub makes
 * them, for the alerts' runbook links) and the commands of shell code blocks
 * (so the commands a newcomer copies are the ones the tests run).
 */

/** Anchors of the headings, as GitHub generates them (lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats). */
export function githubAnchors(markdown: string): string[] {
  const seen = new Map<string, number>();
  const out: string[] = [];
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!
      .toLowerCase()
      .replace(/`/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface ShellCommand {
  /** The command with `\` continuations joined, comments and the `$ ` prompt removed. */
  text: string;
  /** 1-based line in the Markdown file where it starts. */
  line: number;
}

/** Commands of the ```sh / ```bash / ```shell blocks, in order. */
export function shellCommands(markdown: string): ShellCommand[] {
  const out: ShellCommand[] = [];
  const lines = markdown.split('\n');
  let inBlock = false;
  let pending: ShellCommand | undefined;
  lines.forEach((raw, i) => {
    const fence = /^\s*```(\w*)/.exec(raw);
    if (fence) {
      inBlock = !inBlock && ['sh', 'bash', 'shell'].includes(fence[1]!);
      pending = undefined;
      return;
    }
    if (!inBlock) return;
    const line = raw.replace(/^\s*\$ /, '');
    if (!pending && (line.trim() === '' || line.trim().startsWith('#'))) return;
    const continued = /\\\s*$/.test(line);
    const part = line.replace(/\\\s*$/, '').trim();
    if (pending) pending.text += ` ${part}`;
    else pending = { text: part, line: i + 1 };
    if (!continued) {
      pending.text = stripComment(pending.text);
      out.push(pending);
      pending = undefined;
    }
  });
  return out;
}

/** Drops a trailing ` # comment` outside quotes. */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trimEnd();
  }
  return text;
}
