import { MultiSelect, NumberInput, Select, Switch, TextInput } from "@mantine/core";
import type { GetInputPropsReturnType } from "@mantine/form";
import type { CustomFieldDefinition } from "../../customers/api/custom-fields-query";

/** One tenant-defined field, as the input its type calls for (a boolean's props come with `type: "checkbox"`). */
export function CustomFieldInput({
  definition,
  inputProps,
}: {
  definition: CustomFieldDefinition;
  inputProps: GetInputPropsReturnType;
}) {
  const common = { label: definition.label, ...inputProps };
  switch (definition.type) {
    case "number":
      return <NumberInput {...common} />;
    case "date":
      return <TextInput type="date" {...common} />;
    case "boolean":
      return <Switch mt="md" {...common} />;
    case "select":
      return <Select data={definition.options} clearable {...common} />;
    case "multi_select":
      return <MultiSelect data={definition.options} clearable {...common} />;
    default:
      return <TextInput {...common} />;
  }
}
