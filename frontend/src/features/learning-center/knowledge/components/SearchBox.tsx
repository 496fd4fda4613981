import { Button, Group, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useLearningTenant } from "../api/tenant";

export function SearchBox({ initial = "" }: { initial?: string }) {
  const { base } = useLearningTenant();
  const navigate = useNavigate();
  const [query, setQuery] = useState(initial);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (query.trim()) void navigate(`${base}/search?q=${encodeURIComponent(query.trim())}`);
  };
  return (
    <form role="search" onSubmit={submit}>
      <Group gap="xs" wrap="nowrap" align="flex-end">
        <TextInput
          label="Search the Learning Center"
          placeholder="Ask a question, e.g. how do I reset my password?"
          value={query}
          onChange={(event) => setQuery(event.currentTarget.value)}
          style={{ flex: 1 }}
          type="search"
          maxLength={500}
        />
        <Button type="submit">Search</Button>
      </Group>
    </form>
  );
}
