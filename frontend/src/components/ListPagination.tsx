import { Group, Pagination, Text } from "@mantine/core";
import type { Pagination as PageMeta } from "../api/errors";

export function ListPagination({ meta, onChange }: { meta: PageMeta; onChange: (page: number) => void }) {
  return (
    <Group justify="space-between" mt="sm">
      <Text size="sm" c="dimmed">
        {meta.total} in all
      </Text>
      {meta.total_pages > 1 && (
        <Pagination
          total={meta.total_pages}
          value={meta.page}
          onChange={onChange}
          size="sm"
          aria-label="Pages"
          getControlProps={(control) => ({ "aria-label": `${control} page` })}
        />
      )}
    </Group>
  );
}
