import { Select } from "@mantine/core";
import { useState } from "react";
import { useCustomerSearchQuery } from "../api/customer-search-query";

interface Props {
  label: string;
  description?: string;
  value: string | null;
  onChange: (value: string | null) => void;
  error?: React.ReactNode;
}

/** Choose a customer by typing part of a name, email, phone or slug (the API's fuzzy search). */
export function CustomerPicker({ label, description, value, onChange, error }: Props) {
  const [search, setSearch] = useState("");
  const [chosen, setChosen] = useState<{ value: string; label: string } | null>(null);
  const customers = useCustomerSearchQuery(chosen && search === chosen.label ? "" : search);
  const options = (customers.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }));
  if (chosen && !options.some((o) => o.value === chosen.value)) options.unshift(chosen);
  return (
    <Select
      label={label}
      description={description}
      placeholder="Search customers"
      searchable
      clearable
      data={options}
      value={value}
      error={error}
      filter={({ options: all }) => all} // the API has filtered already
      searchValue={search}
      onSearchChange={setSearch}
      nothingFoundMessage={customers.isFetching ? "Searching…" : "No customer matches"}
      onChange={(id, option) => {
        setChosen(id ? { value: id, label: option?.label ?? "" } : null);
        onChange(id);
      }}
    />
  );
}
