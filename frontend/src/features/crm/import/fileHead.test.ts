import { describe, expect, it } from "vitest";
import { FileProblem, MAX_IMPORT_BYTES, parseCsv, readFileHead, readHead } from "./fileHead";

describe("parseCsv", () => {
  it("reads quoted cells with commas, doubled quotes and line breaks", () => {
    const text = 'name,notes\r\n"Joe\'s, Diner","said ""hi""\nthen left"\r\n\r\nBella,\n';
    expect(parseCsv(text)).toEqual([
      ["name", "notes"],
      ["Joe's, Diner", 'said "hi"\nthen left'],
      [""],
      ["Bella", ""],
    ]);
  });

  it("reads a last line without a line break", () => {
    expect(parseCsv("a,b\n1,2")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });
});

describe("readHead", () => {
  it("gives a CSV's columns (trimmed, BOM dropped), examples and row count", () => {
    const head = readHead("customers.csv", "\uFEFFCompany , E-mail\nJoe's Diner,joe@example.com\nBella,\n");
    expect(head).toEqual({
      kind: "csv",
      columns: ["Company", "E-mail"],
      samples: [
        { Company: "Joe's Diner", "E-mail": "joe@example.com" },
        { Company: "Bella", "E-mail": "" },
      ],
      rows: 2,
    });
  });

  it("refuses an empty file, an empty header and a column named twice", () => {
    expect(() => readHead("a.csv", "")).toThrow(FileProblem);
    expect(() => readHead("a.csv", " , \n1,2")).toThrow("header row is empty");
    expect(() => readHead("a.csv", "email,Email,email\n")).toThrow("“email” twice");
  });

  it("gives a JSON file's keys across records, from a list or a customers object", () => {
    const list = readHead("c.json", JSON.stringify([{ name: "Joe", tags: ["a", "b"] }, { email: "x@example.com" }]));
    expect(list.columns).toEqual(["name", "tags", "email"]);
    expect(list.samples[0]).toEqual({ name: "Joe", tags: "a; b", email: "" });
    expect(list.rows).toBe(2);
    expect(readHead("c.json", JSON.stringify({ customers: [{ name: "Joe" }] })).columns).toEqual(["name"]);
    expect(() => readHead("c.json", "{oops")).toThrow("not valid JSON");
    expect(() => readHead("c.json", '{"people": []}')).toThrow("“customers” list");
  });

  it("refuses other file types", () => {
    expect(() => readHead("c.xlsx", "x")).toThrow("Choose a .csv or .json file.");
  });
});

describe("readFileHead", () => {
  it("refuses a file that is not UTF-8", async () => {
    const file = new File([new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x0a, 0xe9, 0x0a])], "latin1.csv");
    await expect(readFileHead(file)).rejects.toThrow("not UTF-8");
  });

  it("refuses a file over the server's limit before reading it", async () => {
    const file = new File(["x"], "big.csv");
    Object.defineProperty(file, "size", { value: MAX_IMPORT_BYTES + 1 });
    await expect(readFileHead(file)).rejects.toThrow("at most 20 MB");
  });

  it("reads a UTF-8 file", async () => {
    const head = await readFileHead(new File(["name,email\nCafé Zoë,zoe@example.com\n"], "c.csv"));
    expect(head.samples[0]?.name).toBe("Café Zoë");
  });
});
