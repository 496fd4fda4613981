import { describe, expect, it } from "vitest";
import { parseSnippet } from "./snippet";

describe("parseSnippet", () => {
  it("splits a snippet into text and marked matches", () => {
    expect(parseSnippet("Free <mark>parking</mark> behind the <mark>building</mark>.")).toEqual([
      { text: "Free ", marked: false },
      { text: "parking", marked: true },
      { text: " behind the ", marked: false },
      { text: "building", marked: true },
      { text: ".", marked: false },
    ]);
  });

  it("unescapes the server's escaping into text, so markup in content stays text", () => {
    expect(parseSnippet("&lt;script&gt;alert(1)&lt;/script&gt; &amp; <mark>tom&#x27;s</mark>")).toEqual([
      { text: "<script>alert(1)</script> & ", marked: false },
      { text: "tom's", marked: true },
    ]);
  });
});
