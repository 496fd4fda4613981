import { Button, Card, Group, Stack, Text, TextInput, Title } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

/** This host is no tenant's Learning Center: ask which one (by its workspace slug). */
export function WorkspacePicker() {
  const navigate = useNavigate();
  const [slug, setSlug] = useState("");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (slug.trim()) void navigate(`/learn/${encodeURIComponent(slug.trim().toLowerCase())}`);
  };
  return (
    <Card withBorder maw={480} mx="auto" mt="xl" padding="lg">
      <Stack>
        <Title order={1} size="h2">
          Find a Learning Center
        </Title>
        <Text size="sm">Enter the workspace name of the business whose help pages you are looking for.</Text>
        <form onSubmit={submit}>
          <Group align="flex-end" wrap="nowrap">
            <TextInput
              label="Workspace"
              placeholder="e.g. demo"
              value={slug}
              onChange={(event) => setSlug(event.currentTarget.value)}
              style={{ flex: 1 }}
              autoCapitalize="none"
            />
            <Button type="submit">Open</Button>
          </Group>
        </form>
      </Stack>
    </Card>
  );
}
