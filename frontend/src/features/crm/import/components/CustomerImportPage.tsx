import {
  Alert,
  Anchor,
  Button,
  Code,
  FileInput,
  Group,
  List,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Stepper,
  Text,
} from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { atLeast } from "../../../../app/roles";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { PageHeader } from "../../../../components/PageHeader";
import { useSession, useTenantId } from "../../../session/api/session";
import { useCustomFieldsQuery } from "../../customers/api/custom-fields-query";
import { customerKeys } from "../../customers/api/keys";
import { useImportQuery } from "../api/import-query";
import { useImportStartMutation, type CustomerImport } from "../api/import-start-mutation";
import { refusedStep } from "../errors";
import { FileProblem, readFileHead, type FileHead } from "../fileHead";
import { guessMapping, mappingProblems, toMappingString, type ColumnMapping, type ImportKey } from "../mapping";
import { ImportReport } from "./ImportReport";
import { MappingTable } from "./MappingTable";
import { ImportProgress } from "../../../../components/ImportProgress";

const STEPS = { file: 0, map: 1, check: 2, run: 3 } as const;

function percentDone(result: CustomerImport): number {
  if (result.finished) return 100;
  return result.total_rows ? Math.min(99, Math.floor((result.processed_rows / result.total_rows) * 100)) : 0;
}

function rows(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? "row" : "rows"}`;
}

/** Step 3: the dry run's report, once the batch behind it has been through every row. */
function CheckStep({
  started,
  onBack,
  onRun,
  running,
}: {
  started: CustomerImport;
  onBack: () => void;
  onRun: () => void;
  running: boolean;
}) {
  const check = useImportQuery(started);
  const result = check.data;
  if (check.isError) return <ErrorAlert error={check.error} onRetry={() => void check.refetch()} />;
  if (!result.finished) {
    return (
      <Paper withBorder p="lg" radius="md">
        <Group gap="sm" role="status" aria-live="polite">
          <Loader size="sm" aria-label="Checking the file" />
          <Text>
            Checking {rows(result.total_rows)}… {percentDone(result)}%
          </Text>
        </Group>
      </Paper>
    );
  }
  const changes = result.created + result.updated;
  return (
    <Stack>
      <Text>
        A dry run of <b>{result.filename}</b>: nothing has been written yet. This is what importing it would do.
      </Text>
      <ImportReport result={result} />
      <Group justify="space-between" mt="sm">
        <Button variant="default" onClick={onBack}>
          Back to the columns
        </Button>
        <Button onClick={onRun} loading={running} disabled={changes === 0}>
          {changes === 0 ? "Nothing to import" : `Import ${rows(changes)}`}
        </Button>
      </Group>
    </Stack>
  );
}

/** Step 4: the real import's progress bar, then what it did. */
function RunStep({ started, onAgain }: { started: CustomerImport; onAgain: () => void }) {
  const run = useImportQuery(started);
  const client = useQueryClient();
  const tenantId = useTenantId();
  const result = run.data;
  const finished = result.finished;
  useEffect(() => {
    if (!finished) return;
    void client.invalidateQueries({ queryKey: customerKeys.lists(tenantId) });
    void client.invalidateQueries({ queryKey: customerKeys.segments(tenantId) });
  }, [finished, client, tenantId]);
  const percent = percentDone(result);
  return (
    <Stack>
      <Paper withBorder p="md" radius="md">
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={600}>{finished ? "Import finished" : `Importing ${result.filename}…`}</Text>
            <Text size="sm" c="dimmed">
              {result.processed_rows.toLocaleString()} of {rows(result.total_rows)}
            </Text>
          </Group>
          <ImportProgress percent={percent} finished={finished} />
        </Stack>
      </Paper>
      {run.isError && <ErrorAlert error={run.error} onRetry={() => void run.refetch()} />}
      {finished && (
        <>
          <ImportReport result={result} />
          <Group mt="sm">
            <Button component={Link} to="/crm/customers">
              See the customers
            </Button>
            <Button variant="default" onClick={onAgain}>
              Import another file
            </Button>
          </Group>
        </>
      )}
    </Stack>
  );
}

export function CustomerImportPage() {
  const me = useSession();
  const customFields = useCustomFieldsQuery();
  const [active, setActive] = useState<number>(STEPS.file);
  const [file, setFile] = useState<File | null>(null);
  const [head, setHead] = useState<FileHead | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [mapping, setMapping] = useState<ColumnMapping>({});
  const [key, setKey] = useState<ImportKey>("email");
  const [mapError, setMapError] = useState<string | null>(null);
  const [otherError, setOtherError] = useState<unknown>(null);
  const [dryRun, setDryRun] = useState<CustomerImport | null>(null);
  const [run, setRun] = useState<CustomerImport | null>(null);

  const onRefused = (error: unknown) => {
    const step = refusedStep(error);
    const message = error instanceof Error ? error.message : "The file cannot be imported.";
    if (step === "file") {
      setFileError(message);
      setActive(STEPS.file);
    } else if (step === "map") {
      setMapError(message);
      setActive(STEPS.map);
    } else setOtherError(error);
  };
  const upload = useImportStartMutation({ onError: onRefused });

  if (!atLeast(me.user.role, "staff")) {
    return (
      <>
        <PageHeader title="Import customers" />
        <Alert color="gray" title="Importing needs the staff role">
          Ask an admin to import the file, or to give you the staff role.
        </Alert>
      </>
    );
  }

  const choose = async (chosen: File | null) => {
    setFile(chosen);
    setHead(null);
    setFileError(null);
    setDryRun(null);
    if (!chosen) return;
    setReading(true);
    try {
      const read = await readFileHead(chosen);
      setHead(read);
      const guessed = guessMapping(read.columns, customFields.data ?? []);
      setMapping(guessed);
      setKey(Object.values(guessed).includes("email") ? "email" : "slug");
    } catch (error) {
      setFileError(error instanceof FileProblem ? error.message : "The file could not be read.");
    } finally {
      setReading(false);
    }
  };

  const problems = head ? mappingProblems(mapping, key) : [];
  const send = (asDryRun: boolean) => {
    if (!file) return;
    setMapError(null);
    setOtherError(null);
    upload.mutate(
      { file, mapping: toMappingString(mapping), key, dryRun: asDryRun },
      {
        onSuccess: (started) => {
          if (asDryRun) {
            setDryRun(started);
            setActive(STEPS.check);
          } else {
            setRun(started);
            setActive(STEPS.run);
          }
        },
      },
    );
  };
  const reset = () => {
    setActive(STEPS.file);
    setFile(null);
    setHead(null);
    setMapping({});
    setDryRun(null);
    setRun(null);
  };
  const locked = run !== null; // once the real import runs, its steps are done

  return (
    <>
      <PageHeader title="Import customers" />
      <Stack maw={960}>
        <Stepper
          active={active}
          onStepClick={(step) => !locked && step < active && setActive(step)}
          allowNextStepsSelect={false}
          size="sm"
        >
          <Stepper.Step label="File" description="CSV or JSON">
            <Stack mt="md">
              <Text size="sm">
                A CSV file with a header row, or a JSON list of customers (or an object with a <Code>customers</Code>{" "}
                list), in UTF-8, up to 20 MB. The next step matches its columns to customer fields. Exported customer
                lists can be imported back as they are.
              </Text>
              <FileInput
                label="File to import"
                placeholder="Choose a .csv or .json file"
                accept=".csv,.json,text/csv,application/json"
                value={file}
                onChange={(chosen) => void choose(chosen)}
                error={fileError}
                clearable
                maw={480}
              />
              {reading && <Loader size="sm" aria-label="Reading the file" />}
              {head && (
                <Alert color="blue" variant="light" title={`${rows(head.rows)}, ${head.columns.length} columns`}>
                  {head.columns.join(", ")}
                </Alert>
              )}
              <Group>
                <Button disabled={!head} onClick={() => setActive(STEPS.map)}>
                  Continue
                </Button>
              </Group>
            </Stack>
          </Stepper.Step>

          <Stepper.Step label="Columns" description="Match the fields">
            {head && (
              <Stack mt="md">
                <Text size="sm">
                  Choose the customer field each column goes to, or leave it out. Existing customers are found by the
                  match key and updated with the file's values; the others are created.
                </Text>
                <Group gap="sm" align="center">
                  <Text size="sm" fw={600} id="match-key-label">
                    Match existing customers by
                  </Text>
                  <SegmentedControl
                    aria-labelledby="match-key-label"
                    value={key}
                    onChange={(value) => setKey(value as ImportKey)}
                    data={[
                      { value: "email", label: "Email" },
                      { value: "slug", label: "Slug" },
                    ]}
                  />
                </Group>
                <MappingTable
                  head={head}
                  mapping={mapping}
                  customFields={customFields.data ?? []}
                  onChange={setMapping}
                />
                {problems.length > 0 && (
                  <Alert color="orange" variant="light" title="Before checking the file">
                    <List size="sm">
                      {problems.map((problem) => (
                        <List.Item key={problem}>{problem}</List.Item>
                      ))}
                    </List>
                  </Alert>
                )}
                {mapError && (
                  <Alert color="red" title="The file cannot be imported with this mapping" role="alert">
                    {mapError}
                  </Alert>
                )}
                {otherError !== null && <ErrorAlert error={otherError} />}
                <Group justify="space-between">
                  <Button variant="default" onClick={() => setActive(STEPS.file)}>
                    Back
                  </Button>
                  <Button onClick={() => send(true)} loading={upload.isPending} disabled={problems.length > 0}>
                    Check the file
                  </Button>
                </Group>
              </Stack>
            )}
          </Stepper.Step>

          <Stepper.Step label="Check" description="A dry run">
            {dryRun && (
              <Stack mt="md">
                <CheckStep
                  key={dryRun.id}
                  started={dryRun}
                  onBack={() => setActive(STEPS.map)}
                  onRun={() => send(false)}
                  running={upload.isPending}
                />
                {otherError !== null && <ErrorAlert error={otherError} />}
              </Stack>
            )}
          </Stepper.Step>

          <Stepper.Step label="Import" description="Progress">
            {run && (
              <Stack mt="md">
                <RunStep key={run.id} started={run} onAgain={reset} />
              </Stack>
            )}
          </Stepper.Step>
        </Stepper>
        {active === STEPS.file && (
          <Text size="xs" c="dimmed">
            Fields: name, email, phone, website, industry, stage, tags (separated by “;”), time zone, slug, do not
            contact, the address parts and your custom fields. <Anchor component={Link} to="/crm/customers" underline="always">
              Back to the customers
            </Anchor>
          </Text>
        )}
      </Stack>
    </>
  );
}
