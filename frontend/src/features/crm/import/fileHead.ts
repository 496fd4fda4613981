// Reading an import file in the browser, before anything is sent: its columns (the CSV header row, or the keys
// of a JSON file's records), a few example values per column and how many rows it has. The server reads the file
// again and is the judge; this only lets the user map the columns and catches the obvious mistakes early.

/** The server's limit (crm/importer.py MAX_IMPORT_BYTES). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const SAMPLE_ROWS = 3;

export interface FileHead {
  kind: "csv" | "json";
  columns: string[];
  /** Up to SAMPLE_ROWS rows, each column's value as text. */
  samples: Record<string, string>[];
  rows: number;
}

export class FileProblem extends Error {}

/**
 * CSV records as Python's csv module reads them (comma, double quotes, a doubled quote inside quotes; a quoted
 * cell may span lines). Blank records are kept: the importer skips them among the rows, not as the header.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  let i = 0;
  const endRecord = () => {
    record.push(cell);
    records.push(record);
    record = [];
    cell = "";
  };
  while (i < text.length) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else cell += char;
      i += 1;
      continue;
    }
    if (char === '"' && cell === "") quoted = true;
    else if (char === ",") {
      record.push(cell);
      cell = "";
    } else if (char === "\r" || char === "\n") {
      endRecord();
      if (char === "\r" && text[i + 1] === "\n") i += 1;
    } else cell += char;
    i += 1;
  }
  if (cell !== "" || record.length > 0) endRecord();
  return records;
}

function display(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(display).join("; ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function csvHead(text: string): FileHead {
  const [header, ...records] = parseCsv(text);
  const rows = records.filter((cells) => cells.some((cell) => cell.trim() !== ""));
  if (!header) throw new FileProblem("The file is empty: it needs a header row naming its columns.");
  const columns = header.map((name) => name.trim());
  if (!columns.some(Boolean)) throw new FileProblem("The header row is empty.");
  const duplicate = columns.find((name, index) => name && columns.indexOf(name) !== index);
  if (duplicate) throw new FileProblem(`The header names the column “${duplicate}” twice.`);
  const samples = rows
    .slice(0, SAMPLE_ROWS)
    .map((cells) => Object.fromEntries(columns.map((column, index) => [column, cells[index] ?? ""])));
  return { kind: "csv", columns: columns.filter(Boolean), samples, rows: rows.length };
}

function jsonHead(text: string): FileHead {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new FileProblem(`The file is not valid JSON (${(error as Error).message}).`);
  }
  const items =
    document !== null && typeof document === "object" && !Array.isArray(document)
      ? (document as { customers?: unknown }).customers
      : document;
  if (!Array.isArray(items)) throw new FileProblem("Expected a list of customers, or an object with a “customers” list.");
  const records = items.filter((item): item is Record<string, unknown> => item !== null && typeof item === "object" && !Array.isArray(item));
  const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
  if (columns.length === 0) throw new FileProblem("The file has no customer records.");
  const samples = records
    .slice(0, SAMPLE_ROWS)
    .map((record) => Object.fromEntries(columns.map((column) => [column, display(record[column])])));
  return { kind: "json", columns, samples, rows: items.length };
}

/** The head of an import file's text (its name says CSV or JSON). */
export function readHead(filename: string, text: string): FileHead {
  const name = filename.toLowerCase();
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (name.endsWith(".csv")) return csvHead(body);
  if (name.endsWith(".json")) return jsonHead(body);
  throw new FileProblem("Choose a .csv or .json file.");
}

/** Read a chosen file (refusing what the server would refuse whole: too large, not UTF-8, no header). */
export async function readFileHead(file: File): Promise<FileHead> {
  if (file.size > MAX_IMPORT_BYTES)
    throw new FileProblem(
      `The file is ${(file.size / 1_048_576).toFixed(1)} MB; at most ${MAX_IMPORT_BYTES / 1_048_576} MB can be imported at once. Split it.`,
    );
  if (file.size === 0) throw new FileProblem("The file is empty.");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
  } catch {
    throw new FileProblem("The file is not UTF-8 text. Save it as UTF-8 (CSV UTF-8 in Excel) and choose it again.");
  }
  return readHead(file.name, text);
}
