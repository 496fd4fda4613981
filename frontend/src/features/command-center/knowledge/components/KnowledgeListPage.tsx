import { Anchor, Badge, Button, Group, Select, Table, TextInput } from "@mantine/core";
import { Link } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { ScrollRegion } from "../../../../components/ScrollRegion";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { definedOnly, useListState } from "../../../../components/urlState";
import { useEntriesQuery, type EntriesParams } from "../api/entries-query";
import { EMBEDDING, SORTS, VALIDATION } from "../options";
import { EmbeddingStatusBadge } from "./EmbeddingStatusBadge";

const FILTERS = ["category", "tag", "embedding_status", "validation_status", "is_public", "sort"] as const;


export function KnowledgeListPage() {
  const { page, filters, setFilter, setPage } = useListState(FILTERS);
  const params = definedOnly({
    ...filters,
    is_public: filters.is_public === "" ? undefined : filters.is_public === "true",
    page,
    per_page: 20,
  }) as EntriesParams;
  const entries = useEntriesQuery(params);

  return (
    <>
      <PageHeader title="Knowledge entries">
        <Button component={Link} to="/command-center/knowledge/new">
          New entry
        </Button>
      </PageHeader>
      <Group mb="md" align="flex-end" gap="sm">
        <TextInput
          label="Category"
          value={filters.category}
          onChange={(e) => setFilter("category", e.currentTarget.value)}
          w={160}
        />
        <TextInput label="Tag" value={filters.tag} onChange={(e) => setFilter("tag", e.currentTarget.value)} w={140} />
        <Select
          label="Embedding"
          data={EMBEDDING}
          value={filters.embedding_status || null}
          onChange={(value) => setFilter("embedding_status", value)}
          clearable
          w={150}
        />
        <Select
          label="Validation"
          data={VALIDATION}
          value={filters.validation_status || null}
          onChange={(value) => setFilter("validation_status", value)}
          clearable
          w={150}
        />
        <Select
          label="Visibility"
          data={[
            { value: "true", label: "Public" },
            { value: "false", label: "Internal" },
          ]}
          value={filters.is_public || null}
          onChange={(value) => setFilter("is_public", value)}
          clearable
          w={130}
        />
        <Select
          label="Sort"
          data={SORTS}
          value={filters.sort || "-created_at"}
          onChange={(value) => setFilter("sort", value === "-created_at" ? null : value)}
          w={170}
          allowDeselect={false}
        />
      </Group>
      {entries.isPending ? (
        <PageLoader label="Loading entries" />
      ) : entries.isError ? (
        <ErrorAlert error={entries.error} onRetry={() => void entries.refetch()} />
      ) : (
        <>
          <ScrollRegion label="Knowledge entries" minWidth={640}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Title</Table.Th>
                  <Table.Th>Category</Table.Th>
                  <Table.Th>Visibility</Table.Th>
                  <Table.Th>Embedding</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.data.items.map((entry) => (
                  <Table.Tr key={entry.id}>
                    <Table.Td>
                      <Anchor component={Link} to={`/command-center/knowledge/${entry.id}`}>
                        {entry.title}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>{entry.category ?? "—"}</Table.Td>
                    <Table.Td>
                      <Badge variant="outline" color={entry.is_public ? "teal" : "gray"}>
                        {entry.is_public ? "public" : "internal"}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <EmbeddingStatusBadge status={entry.embedding_status} />
                    </Table.Td>
                    <Table.Td>{formatDateTime(entry.updated_at)}</Table.Td>
                  </Table.Tr>
                ))}
                {entries.data.items.length === 0 && (
                  <Table.Tr>
                    <Table.Td colSpan={5}>No entries match.</Table.Td>
                  </Table.Tr>
                )}
              </Table.Tbody>
            </Table>
          </ScrollRegion>
          <ListPagination meta={entries.data.pagination} onChange={setPage} />
        </>
      )}
    </>
  );
}
