import { useMemo } from "react";
import { useSearchParams } from "react-router";
import {
  EMPTY_FILTERS,
  parseFilters,
  parseSort,
  writeFilters,
  type CustomerFilterState,
  type CustomerSort,
} from "./filters";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The customer list's state, all of it in the URL: filters, sort, page and the chosen segment. Changing the
 * filters goes back to page 1 and replaces the history entry (typing a search is not a trail of entries).
 */
export function useCustomerListState() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => parseFilters(params), [params]);
  const sort = parseSort(params);
  const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
  const segment = params.get("segment");
  const segmentId = segment && UUID.test(segment) ? segment : null;

  const setFilters = (next: CustomerFilterState) =>
    setParams(
      (current) => {
        const written = writeFilters(current, next);
        written.delete("page");
        return written;
      },
      { replace: true },
    );
  /** Change some filters, on top of what the URL says when the change lands (a debounced search must not undo a
   * stage chosen while it waited). */
  const patchFilters = (changes: Partial<CustomerFilterState>) =>
    setParams(
      (current) => {
        const written = writeFilters(current, { ...parseFilters(current), ...changes });
        written.delete("page");
        return written;
      },
      { replace: true },
    );
  const setSort = (value: CustomerSort | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set("sort", value);
        else next.delete("sort");
        next.delete("page");
        return next;
      },
      { replace: true },
    );
  const setPage = (value: number) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      if (value > 1) next.set("page", String(value));
      else next.delete("page");
      return next;
    });
  /** Choose a segment (its filters replace the list's), or none (every customer). */
  const chooseSegment = (choice: { id: string; filters: CustomerFilterState } | null) =>
    setParams((current) => {
      const next = writeFilters(current, choice?.filters ?? EMPTY_FILTERS);
      next.delete("page");
      if (choice) next.set("segment", choice.id);
      else next.delete("segment");
      return next;
    });

  return { filters, sort, page, segmentId, setFilters, patchFilters, setSort, setPage, chooseSegment };
}
