import { useSearchParams } from "react-router";

/**
 * List state kept in the URL (shareable, survives reload): `page` plus named filters. Changing a filter goes
 * back to page 1.
 */
export function useListState<K extends string>(filterNames: readonly K[]) {
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get("page")) || 1);
  const filters = Object.fromEntries(filterNames.map((name) => [name, params.get(name) ?? ""])) as Record<K, string>;
  const setFilter = (name: K, value: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
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
  return { page, filters, setFilter, setPage };
}

/** Drop empty filters, so they are not sent (or keyed) at all. */
export function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== "" && value != null)) as Partial<T>;
}
