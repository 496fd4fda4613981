import { Select, type ComboboxItem, type SelectProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { ownerName, useNamedOwners, useOwnerMatches, userLabel } from "../api/owners-query";

type OwnerSelectProps = Omit<SelectProps, "data" | "searchable" | "searchValue" | "onSearchChange" | "filter"> & {
  /** Offered first, whatever is typed (e.g. "me"). */
  pinned?: ComboboxItem[];
};

/** A user picker that searches the directory on the server as one types, so that anyone of a tenant of any size
 * can be picked; the current value keeps its name even when it is not among the matches. */
export function OwnerSelect({ pinned = [], value, ...props }: OwnerSelectProps) {
  const [search, setSearch] = useState("");
  const pinnedCurrent = pinned.find((option) => option.value === value);
  // A pinned option names itself: no look-up for it.
  const named = useNamedOwners(pinnedCurrent ? [] : [value]);
  const current = value ? (pinnedCurrent ?? { value, label: ownerName(named.data, value) }) : null;
  // Once an owner is chosen the box shows their name as its text: that is not a search.
  const [q] = useDebouncedValue(search === current?.label ? "" : search.trim(), 250);
  const matches = useOwnerMatches(q);
  const found = (matches.data ?? []).map((user) => ({ value: user.id, label: userLabel(user) }));
  return (
    <Select
      {...props}
      value={value}
      data={distinct([...pinned, ...(current ? [current] : []), ...found])}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The server has filtered the matches; the pinned and the current option stay in view.
      filter={({ options }) => options}
      nothingFoundMessage={matches.isFetching ? "Searching…" : "No active user matches"}
    />
  );
}

function distinct(options: ComboboxItem[]): ComboboxItem[] {
  const seen = new Set<string>();
  return options.filter((option) => {
    if (seen.has(option.value)) return false;
    seen.add(option.value);
    return true;
  });
}
