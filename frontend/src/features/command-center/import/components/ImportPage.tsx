import { Alert, Button, Card, FileInput, Group, List, Stack, Text } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { PageHeader } from "../../../../components/PageHeader";
import { applyServerErrors } from "../../../../components/serverErrors";
import { useSession } from "../../../session/api/session";
import { useBatchQuery } from "../../jobs/api/batch-query";
import { knowledgeKeys } from "../../knowledge/api/keys";
import { useImportMutation, type ImportStarted } from "../api/import-mutation";
import { ImportProgress } from "../../../../components/ImportProgress";

function BatchProgress({ started }: { started: ImportStarted }) {
  const batch = useBatchQuery(started.batch_id);
  const client = useQueryClient();
  const { tenant } = useSession();
  const finished = Boolean(batch.data?.finished_at);
  useEffect(() => {
    if (finished) void client.invalidateQueries({ queryKey: knowledgeKeys.lists(tenant.id) });
  }, [finished, client, tenant.id]);

  const percent = Math.round((batch.data?.progress ?? 0) * 100);
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Text fw={600}>
          {finished ? "Import finished" : "Importing…"} {started.records} record(s)
        </Text>
        <ImportProgress
          percent={percent}
          finished={finished}
          detail={batch.data && batch.data.failed > 0 ? `, ${batch.data.failed} job(s) failed (see Jobs)` : ""}
        />
        {batch.isError && <ErrorAlert error={batch.error} onRetry={() => void batch.refetch()} />}
        {finished && (
          <Group>
            <Button component={Link} to="/command-center/knowledge" variant="light">
              See the entries
            </Button>
          </Group>
        )}
        {started.invalid.length > 0 && (
          <Alert color="red" title={`${started.invalid.length} record(s) left out`}>
            <List size="sm">
              {started.invalid.map((problem) => (
                <List.Item key={problem.location}>
                  {problem.location}: {problem.reason}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

export function ImportPage() {
  const [started, setStarted] = useState<ImportStarted | null>(null);
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<{ file: File | null }>({
    initialValues: { file: null },
    validate: { file: (value) => (value ? null : "Choose a file") },
  });
  const upload = useImportMutation({ onError: (error) => setFormErrors(applyServerErrors(form, error, ["file"])) });

  return (
    <>
      <PageHeader title="Import knowledge" />
      <Stack maw={720}>
        <Text size="sm">
          Upload a JSON file (a list of entries), a CSV file (a header row of entry fields; lists separated by “;”)
          or a Markdown file (YAML front matter for the fields). Entries seen before, by their source, are updated.
        </Text>
        <form
          noValidate
          onSubmit={form.onSubmit(({ file }) => {
            setFormErrors([]);
            if (file) upload.mutate(file, { onSuccess: setStarted });
          })}
        >
          <Stack>
            <FormErrors messages={formErrors} />
            <FileInput
              label="File"
              placeholder="Choose a .json, .csv or .md file"
              accept=".json,.csv,.md,.markdown"
              clearable
              {...form.getInputProps("file")}
            />
            <Group>
              <Button type="submit" loading={upload.isPending}>
                Import
              </Button>
            </Group>
          </Stack>
        </form>
        {started && <BatchProgress key={started.batch_id} started={started} />}
      </Stack>
    </>
  );
}
