import { Mark } from "@mantine/core";
import { Fragment } from "react";
import { parseSnippet } from "./snippet";

export function Snippet({ html }: { html: string }) {
  return (
    <>
      {parseSnippet(html).map((segment, index) =>
        segment.marked ? <Mark key={index}>{segment.text}</Mark> : <Fragment key={index}>{segment.text}</Fragment>,
      )}
    </>
  );
}
