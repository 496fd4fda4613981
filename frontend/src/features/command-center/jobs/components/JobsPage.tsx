import { Button, Code, Group, Spoiler, Stack, Table, Text, Title } from "@mantine/core";
import { useState } from "react";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { useForgetFailedJobMutation, useRetryFailedJobMutation } from "../api/failed-job-mutations";
import { useFailedJobsQuery } from "../api/failed-jobs-query";
import { useQueueStatsQuery } from "../api/queue-stats-query";

function QueueStatsTable() {
  const stats = useQueueStatsQuery();
  if (stats.isPending) return <PageLoader label="Loading queue statistics" />;
  if (stats.isError) return <ErrorAlert error={stats.error} onRetry={() => void stats.refetch()} />;
  return (
    <ScrollRegion label="Queues" minWidth={480}>
      <Table striped aria-label="Queues">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Queue</Table.Th>
            <Table.Th ta="right">Waiting</Table.Th>
            <Table.Th ta="right">Delayed</Table.Th>
            <Table.Th ta="right">In flight</Table.Th>
            <Table.Th ta="right">Failed</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {stats.data.map((queue) => (
            <Table.Tr key={queue.queue}>
              <Table.Td>{queue.queue}</Table.Td>
              <Table.Td ta="right">{queue.waiting}</Table.Td>
              <Table.Td ta="right">{queue.delayed}</Table.Td>
              <Table.Td ta="right">{queue.in_flight}</Table.Td>
              <Table.Td ta="right">{queue.failed}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollRegion>
  );
}

function FailedJobs() {
  const [page, setPage] = useState(1);
  const jobs = useFailedJobsQuery(page);
  const retry = useRetryFailedJobMutation();
  const forget = useForgetFailedJobMutation();
  if (jobs.isPending) return <PageLoader label="Loading failed jobs" />;
  if (jobs.isError) return <ErrorAlert error={jobs.error} onRetry={() => void jobs.refetch()} />;
  if (jobs.data.items.length === 0) return <Text c="dimmed">No failed jobs.</Text>;
  return (
    <Stack gap="sm">
      {jobs.data.items.map((job) => (
        <Stack key={job.id} gap={4} p="sm" className="failed-job">
          <Group justify="space-between" wrap="wrap">
            <Text fw={600}>
              {job.actor} <Text span c="dimmed" size="sm">on {job.queue}, {formatDateTime(job.failed_at)}</Text>
            </Text>
            <Group gap="xs">
              <Button size="xs" variant="light" onClick={() => retry.mutate(job.id)} loading={retry.isPending && retry.variables === job.id}>
                Retry
              </Button>
              <Button size="xs" variant="light" color="red" onClick={() => forget.mutate(job.id)} loading={forget.isPending && forget.variables === job.id}>
                Forget
              </Button>
            </Group>
          </Group>
          <Text size="sm">{job.error}</Text>
          <Spoiler maxHeight={0} showLabel="Show traceback" hideLabel="Hide traceback">
            <Code block>{job.exception}</Code>
          </Spoiler>
        </Stack>
      ))}
      <ListPagination meta={jobs.data.pagination} onChange={setPage} />
    </Stack>
  );
}

export function JobsPage() {
  return (
    <>
      <PageHeader title="Jobs" />
      <Stack gap="xl">
        <section aria-labelledby="queues-title">
          <Title order={2} size="h3" id="queues-title" mb="sm">
            Queues
          </Title>
          <QueueStatsTable />
        </section>
        <section aria-labelledby="failed-title">
          <Title order={2} size="h3" id="failed-title" mb="sm">
            Failed jobs
          </Title>
          <FailedJobs />
        </section>
      </Stack>
    </>
  );
}
