// Search snippets arrive HTML-escaped with the matches wrapped in <mark>; they are parsed into text and marks,
// never injected as HTML.
const ENTITIES: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity] ?? entity);
}

export interface Segment {
  text: string;
  marked: boolean;
}

export function parseSnippet(snippet: string): Segment[] {
  const segments: Segment[] = [];
  const pattern = /<mark>(.*?)<\/mark>/gs;
  let last = 0;
  for (const match of snippet.matchAll(pattern)) {
    if (match.index > last) segments.push({ text: unescapeHtml(snippet.slice(last, match.index)), marked: false });
    segments.push({ text: unescapeHtml(match[1] ?? ""), marked: true });
    last = match.index + match[0].length;
  }
  if (last < snippet.length) segments.push({ text: unescapeHtml(snippet.slice(last)), marked: false });
  return segments.filter((segment) => segment.text.length > 0);
}
