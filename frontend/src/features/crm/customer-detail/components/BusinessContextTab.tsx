import { Button, Code, Group, Paper, SimpleGrid, Stack, Text, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { QueryStates } from "../../../../components/QueryStates";
import { FormErrors } from "../../../../components/FormErrors";
import { applyFormErrors } from "../../../../components/formErrors";
import { useAiContextQuery } from "../api/ai-context-query";
import { useBusinessContextMutation, type BusinessContext } from "../api/business-context-mutation";
import type { Customer } from "../api/customer-query";
import { useCrmPermissions } from "../permissions";

const FIELDS = [
  ["description", "Description", "What the business is and does"],
  ["services_offered", "Services offered", "What customers can buy or book"],
  ["hours", "Hours", "e.g. Mon–Fri 9–17, Sat 10–14"],
  ["service_area", "Service area", "Where they work or deliver"],
  ["brand_voice", "Brand voice", "How they like to sound: friendly, formal…"],
  ["goals", "Goals", "What they want to achieve with us"],
  ["competitors", "Competitors", "Who they compete with"],
] as const;
type Key = (typeof FIELDS)[number][0];
type Values = Record<Key, string>;

function toValues(context: Customer["business_context"]): Values {
  return Object.fromEntries(FIELDS.map(([key]) => [key, context[key] ?? ""])) as Values;
}

function toBody(values: Values): BusinessContext {
  return Object.fromEntries(FIELDS.map(([key]) => [key, values[key].trim() || null]));
}

function BusinessContextForm({ customer }: { customer: Customer }) {
  const { canWrite } = useCrmPermissions();
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({ initialValues: toValues(customer.business_context) });
  const save = useBusinessContextMutation(customer.id, {
    onSuccess: () => {
      notifications.show({ color: "green", message: "Business context saved." });
      form.resetDirty();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, FIELDS.map(([key]) => key))),
  });
  return (
    <form
      aria-label="Business context"
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate(toBody(values));
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          {FIELDS.map(([key, label, hint]) => (
            <Textarea
              key={key}
              label={label}
              placeholder={hint}
              autosize
              minRows={2}
              maxRows={10}
              maxLength={5000}
              readOnly={!canWrite}
              {...form.getInputProps(key)}
            />
          ))}
        </SimpleGrid>
        {canWrite && (
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!form.isDirty()}>
              Save business context
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}

/** What the AI assistant is told about this customer, exactly as it is put in a prompt. */
function AiContextPreview({ customerId }: { customerId: string }) {
  const context = useAiContextQuery(customerId);
  return (
    <Paper withBorder radius="md" p="md">
      <Title order={2} size="h4" mb={4}>
        AI context
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        The summary the AI assistant receives: business context, recent conversations, FAQs, open questions.
      </Text>
      <QueryStates query={context} loading="Loading the AI context">
        {(data) => (
          <Code block data-testid="ai-context" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
            {data.prompt}
          </Code>
        )}
      </QueryStates>
    </Paper>
  );
}

export function BusinessContextTab({ customer }: { customer: Customer }) {
  return (
    <Stack gap="md">
      <Paper withBorder radius="md" p="md">
        <Title order={2} size="h4" mb="sm">
          Business context
        </Title>
        <BusinessContextForm key={customer.updated_at} customer={customer} />
      </Paper>
      <AiContextPreview customerId={customer.id} />
    </Stack>
  );
}
