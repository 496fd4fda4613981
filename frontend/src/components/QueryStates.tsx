import { Text } from "@mantine/core";
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ErrorAlert } from "./ErrorAlert";
import { PageLoader } from "./PageLoader";

interface Props<T> {
  query: UseQueryResult<T>;
  /** The loader's accessible label, e.g. "Loading contacts". */
  loading: string;
  /** When the data counts as empty (e.g. no items), and what to say then (a string is shown dimmed). */
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}

/** A query's loading, error (with retry) and empty states, and its data once there is some. */
export function QueryStates<T>({ query, loading, isEmpty, empty, children }: Props<T>) {
  if (query.isPending) return <PageLoader label={loading} />;
  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  if (isEmpty?.(query.data)) {
    return typeof empty === "string" ? (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    ) : (
      empty
    );
  }
  return children(query.data);
}
