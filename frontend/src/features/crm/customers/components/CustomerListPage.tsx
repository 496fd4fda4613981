import { Badge, Box, Button, Drawer, Group, MultiSelect, Paper, Select, Stack, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { Link } from "react-router";
import { atLeast } from "../../../../app/roles";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { useSession } from "../../../session/api/session";
import { useCustomFieldsQuery } from "../api/custom-fields-query";
import { useCustomersExportMutation, type ExportParams } from "../api/customers-export";
import { useCustomersQuery, type CustomersParams } from "../api/customers-query";
import { useNamedOwners, userLabel } from "../api/owners-query";
import { useSegmentsQuery } from "../api/segments-query";
import type { OwnerOption } from "../chips";
import {
  countMoreFilters,
  effectiveSort,
  EMPTY_FILTERS,
  fromApiFilters,
  hasFilters,
  sameFilters,
  toApiFilters,
  type CustomerSort,
  type Stage,
} from "../filters";
import { PAGE_SIZE, SORTS, STAGE_LABELS, STAGES } from "../options";
import { useCustomerListState } from "../useCustomerListState";
import { ActiveFilters } from "./ActiveFilters";
import { CustomerTable, CustomerTableSkeleton } from "./CustomerTable";
import { MoreFilters } from "./MoreFilters";
import { NewCustomerDialog } from "./NewCustomerDialog";
import { SearchInput } from "./SearchInput";
import { SegmentBar } from "./SegmentBar";

const STAGE_OPTIONS = STAGES.map((stage) => ({ value: stage, label: STAGE_LABELS[stage] }));

function EmptyState({
  filtered,
  canWrite,
  onClear,
  onCreate,
}: {
  filtered: boolean;
  canWrite: boolean;
  onClear: () => void;
  onCreate: () => void;
}) {
  return (
    <Paper withBorder radius="md" py={48} px="md">
      <Stack align="center" gap="xs" ta="center">
        <Title order={2} size="h4">
          {filtered ? "No customers match" : "No customers yet"}
        </Title>
        <Text size="sm" c="dimmed" maw={420}>
          {filtered
            ? "Nothing matches this search and these filters. Try fewer filters, or check the spelling."
            : "Customers are the businesses you serve. Add the first one, or import a list from a CSV or JSON file."}
        </Text>
        <Group mt="sm" justify="center">
          {filtered ? (
            <Button variant="light" onClick={onClear}>
              Clear all filters
            </Button>
          ) : (
            canWrite && (
              <>
                <Button onClick={onCreate}>New customer</Button>
                <Button component={Link} to="/crm/import" variant="default">
                  Import customers
                </Button>
              </>
            )
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

export function CustomerListPage() {
  const me = useSession();
  const canWrite = atLeast(me.user.role, "staff");
  const { filters, sort, page, segmentId, setFilters, patchFilters, setSort, setPage, chooseSegment } =
    useCustomerListState();
  const [creating, creatingControls] = useDisclosure(false);
  const [moreOpen, moreControls] = useDisclosure(false);

  const params = { ...toApiFilters(filters), sort: effectiveSort(sort, filters), page, per_page: PAGE_SIZE } as CustomersParams;
  const customers = useCustomersQuery(params);
  const segments = useSegmentsQuery();
  const customFields = useCustomFieldsQuery();
  const namedOwners = useNamedOwners([filters.owner_id]);
  const exporting = useCustomersExportMutation();

  const segmentList = segments.data?.items ?? [];
  const current = segmentList.find((segment) => segment.id === segmentId) ?? null;
  const meOption: OwnerOption = { value: me.user.id, label: `${me.user.name} (me)` };
  // The owner filter's name, for its chip (the picker searches the directory itself).
  const ownerOptions: OwnerOption[] = [
    meOption,
    ...(namedOwners.data ?? [])
      .filter((user) => user.id !== me.user.id)
      .map((user) => ({ value: user.id, label: userLabel(user) })),
  ];
  // What the export downloads: exactly what the list shows (its filters and search), named after the segment
  // when the list is a segment's, unchanged.
  const asSegment = current !== null && sameFilters(fromApiFilters(current.filters), filters);
  const moreCount = countMoreFilters(filters);
  const sorts = SORTS.filter((option) => option.value !== "relevance" || filters.q);
  const filtered = hasFilters(filters);

  return (
    <>
      <PageHeader title="Customers">
        <Button
          variant="default"
          loading={exporting.isPending}
          onClick={() =>
            exporting.mutate({
              params: toApiFilters(filters) as ExportParams,
              filename: asSegment
                ? `customers-${current.name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.csv`
                : filtered
                  ? "customers-filtered.csv"
                  : "customers.csv",
            })
          }
        >
          {asSegment ? "Export segment" : filtered ? "Export filtered" : "Export all"}
        </Button>
        {canWrite && <Button onClick={creatingControls.open}>New customer</Button>}
      </PageHeader>

      <SegmentBar
        segments={segmentList}
        current={current}
        filters={filters}
        canWrite={canWrite}
        onChoose={(segment) => chooseSegment(segment && { id: segment.id, filters: fromApiFilters(segment.filters) })}
      />

      <Group gap="sm" mb="sm" align="flex-start" wrap="wrap">
        <SearchInput value={filters.q} onChange={(q) => patchFilters({ q })} />
        <MultiSelect
          aria-label="Stage"
          placeholder={filters.stage.length ? undefined : "Any stage"}
          data={STAGE_OPTIONS}
          value={filters.stage}
          onChange={(stage) => patchFilters({ stage: stage as Stage[] })}
          clearable
          w={{ base: "100%", xs: 260 }}
        />
        <Button
          variant={moreCount ? "light" : "default"}
          onClick={moreControls.open}
          rightSection={
            moreCount ? (
              <Badge size="sm" circle variant="filled">
                {moreCount}
              </Badge>
            ) : null
          }
        >
          More filters
        </Button>
        <Select
          aria-label="Sort"
          data={sorts}
          value={effectiveSort(sort, filters)}
          onChange={(value) => setSort(value as CustomerSort | null)}
          allowDeselect={false}
          w={170}
        />
      </Group>

      <ActiveFilters
        filters={filters}
        customFields={customFields.data ?? []}
        owners={ownerOptions}
        onChange={setFilters}
      />

      <Drawer opened={moreOpen} onClose={moreControls.close} title="More filters" position="right" size="md">
        {moreOpen && (
          <MoreFilters
            initial={filters}
            customFields={customFields.data ?? []}
            me={meOption}
            onApply={(next) => {
              setFilters(next);
              moreControls.close();
            }}
          />
        )}
      </Drawer>

      {customers.isPending ? (
        <CustomerTableSkeleton />
      ) : customers.isError ? (
        <ErrorAlert error={customers.error} onRetry={() => void customers.refetch()} />
      ) : customers.data.items.length === 0 ? (
        <EmptyState
          filtered={filtered}
          canWrite={canWrite}
          onClear={() => setFilters(EMPTY_FILTERS)}
          onCreate={creatingControls.open}
        />
      ) : (
        <Box style={{ opacity: customers.isPlaceholderData ? 0.6 : 1, transition: "opacity 120ms" }}>
          <CustomerTable customers={customers.data.items} />
          <ListPagination meta={customers.data.pagination} onChange={setPage} />
        </Box>
      )}

      <NewCustomerDialog opened={creating} onClose={creatingControls.close} />
    </>
  );
}
