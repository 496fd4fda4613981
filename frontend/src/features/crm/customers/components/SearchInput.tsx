import { CloseButton, TextInput } from "@mantine/core";
import { useDebouncedCallback } from "@mantine/hooks";
import { useState } from "react";

const DELAY_MS = 300;

/** The search box: typed freely, sent once typing pauses; follows the URL when it changes elsewhere. */
export function SearchInput({ value, onChange }: { value: string; onChange: (value: string) => void }) {
  const [text, setText] = useState(value);
  const [seen, setSeen] = useState(value);
  if (value !== seen) {
    // The URL changed (a segment was chosen, the filters cleared): show what it says.
    setSeen(value);
    setText(value);
  }
  const send = useDebouncedCallback((next: string) => onChange(next.trim()), DELAY_MS);
  return (
    <TextInput
      type="search"
      aria-label="Search customers"
      placeholder="Search name, email, phone or slug"
      value={text}
      onChange={(event) => {
        setText(event.currentTarget.value);
        send(event.currentTarget.value);
      }}
      onKeyDown={(event) => {
        if (event.key === "Enter") send.flush();
      }}
      rightSection={
        text ? (
          <CloseButton
            size="sm"
            aria-label="Clear the search"
            onClick={() => {
              setText("");
              send.cancel();
              onChange("");
            }}
          />
        ) : null
      }
      flex="1 1 240px"
    />
  );
}
