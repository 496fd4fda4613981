import { Badge, Button, Group, Loader, Menu, Select, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useSegmentQuery } from "../api/segment-query";
import { useSegmentSaveMutation } from "../api/segment-save-mutation";
import type { Segment } from "../api/segments-query";
import { fromApiFilters, hasFilters, sameFilters, toApiFilters, type CustomerFilterState } from "../filters";
import { SegmentDeleteDialog, SegmentNameDialog } from "./SegmentDialogs";

function plural(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? "customer" : "customers"}`;
}

/** Saved segments: pick one (its filters apply, its live count shows), save the filters as one, manage it. */
export function SegmentBar({
  segments,
  current,
  filters,
  canWrite,
  onChoose,
}: {
  segments: Segment[];
  current: Segment | null;
  filters: CustomerFilterState;
  canWrite: boolean;
  onChoose: (segment: Segment | null) => void;
}) {
  const [naming, setNaming] = useState<"new" | "rename" | null>(null);
  const [deleting, setDeleting] = useState<Segment | null>(null);
  const detail = useSegmentQuery(current?.id ?? null);
  const modified = current !== null && !sameFilters(fromApiFilters(current.filters), filters);
  const update = useSegmentSaveMutation({
    onSuccess: () => notifications.show({ color: "green", message: "Segment updated with these filters." }),
  });

  return (
    <Group gap="sm" mb="sm" wrap="wrap" align="center">
      <Select
        aria-label="Segment"
        placeholder="All customers"
        data={segments.map((segment) => ({ value: segment.id, label: segment.name }))}
        value={current?.id ?? null}
        onChange={(id) => onChoose(segments.find((segment) => segment.id === id) ?? null)}
        clearable
        searchable
        w={260}
        maw="100%"
        nothingFoundMessage={segments.length ? "No segment by that name" : "No saved segments yet"}
      />
      {current &&
        (detail.data ? (
          <Text size="sm" c="dimmed" data-testid="segment-count" aria-live="polite">
            {plural(detail.data.count)} in this segment
          </Text>
        ) : (
          <Loader size="xs" aria-label="Counting the segment" type="dots" />
        ))}
      {modified && (
        <Badge variant="light" color="orange" radius="sm" tt="none">
          Filters changed
        </Badge>
      )}
      {canWrite && modified && current && (
        <Button
          variant="light"
          size="xs"
          loading={update.isPending}
          onClick={() => update.mutate({ segmentId: current.id, body: { filters: toApiFilters(filters) } })}
        >
          Update segment
        </Button>
      )}
      {canWrite && hasFilters(filters) && (!current || modified) && (
        <Button variant="default" size="xs" onClick={() => setNaming("new")}>
          Save as segment
        </Button>
      )}
      {canWrite && current && (
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button variant="subtle" size="xs" aria-label={`Manage the segment ${current.name}`}>
              Manage
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => setNaming("rename")}>Rename…</Menu.Item>
            <Menu.Item color="red" onClick={() => setDeleting(current)}>
              Delete…
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      )}
      <SegmentNameDialog
        opened={naming !== null}
        segment={naming === "rename" ? current : null}
        filters={toApiFilters(filters)}
        onClose={() => setNaming(null)}
        onSaved={(saved) => {
          setNaming(null);
          if (naming === "new") onChoose(saved);
        }}
      />
      <SegmentDeleteDialog
        segment={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={() => {
          setDeleting(null);
          onChoose(null);
        }}
      />
    </Group>
  );
}
