import { Anchor, Badge, Button, Group, Modal, Paper, Stack, Text, Textarea, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { Link } from "react-router";
import { FormErrors } from "../../../../components/FormErrors";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import { QueryStates } from "../../../../components/QueryStates";
import { useQuestionsQuery } from "../../pending-questions/api/questions-query";
import { QuestionStatusBadge } from "../../pending-questions/components/QuestionStatusBadge";
import { useFaqDeleteMutation, useFaqSaveMutation } from "../api/faq-mutations";
import { useFaqsQuery, type CustomerFaq } from "../api/faqs-query";
import { useCrmPermissions } from "../permissions";

function FaqForm({ customerId, faq, onDone }: { customerId: string; faq: CustomerFaq | null; onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm({
    initialValues: { question: faq?.question ?? "", answer: faq?.answer ?? "" },
    validate: {
      question: (value) => (value.trim() ? null : "A question is required"),
      answer: (value) => (value.trim() ? null : "An answer is required"),
    },
  });
  const save = useFaqSaveMutation(customerId, faq?.id, {
    onSuccess: () => {
      notifications.show({ color: "green", message: faq ? "FAQ saved." : "FAQ added." });
      onDone();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["question", "answer"])),
  });
  return (
    <form
      noValidate
      aria-label={faq ? "Edit FAQ" : "New FAQ"}
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate(values);
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <Textarea label="Question" required autosize minRows={1} data-autofocus {...form.getInputProps("question")} />
        <Textarea label="Answer" required autosize minRows={3} maxRows={12} {...form.getInputProps("answer")} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {faq ? "Save FAQ" : "Add FAQ"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function FaqItem({ customerId, faq, onEdit }: { customerId: string; faq: CustomerFaq; onEdit: () => void }) {
  const { canWrite } = useCrmPermissions();
  const remove = useFaqDeleteMutation(customerId);
  return (
    <Paper withBorder radius="md" p="md" component="article" aria-label={faq.question}>
      <Stack gap={6}>
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <Text fw={600} style={{ overflowWrap: "anywhere" }}>
            {faq.question}
          </Text>
          {canWrite && (
            <Group gap={4} wrap="nowrap">
              <Button size="compact-sm" variant="subtle" onClick={onEdit} aria-label={`Edit the FAQ ${faq.question}`}>
                Edit
              </Button>
              <Button
                size="compact-sm"
                variant="subtle"
                color="red"
                loading={remove.isPending}
                aria-label={`Delete the FAQ ${faq.question}`}
                onClick={() => {
                  if (window.confirm("Delete this FAQ?")) remove.mutate(faq.id);
                }}
              >
                Delete
              </Button>
            </Group>
          )}
        </Group>
        <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
          {faq.answer}
        </Text>
        <Group gap="xs">
          <Badge size="sm" variant="light" color="teal">
            {faq.helpful_count} helpful
          </Badge>
          <Badge size="sm" variant="light" color="gray">
            {faq.not_helpful_count} not helpful
          </Badge>
        </Group>
      </Stack>
    </Paper>
  );
}

function CustomerQuestions({ customerId }: { customerId: string }) {
  const questions = useQuestionsQuery({ customer_id: customerId, page: 1, per_page: 50 });
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Title order={2} size="h4">
          Pending questions
        </Title>
        <Anchor component={Link} to="/crm/questions" size="sm">
          Open the inbox
        </Anchor>
      </Group>
      <QueryStates
        query={questions}
        loading="Loading questions"
        isEmpty={(page) => page.items.length === 0}
        empty="No questions from this customer are waiting."
      >
        {(data) => (
          data.items.map((q) => (
            <Paper key={q.id} withBorder radius="md" p="sm">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <Text size="sm" fw={500} style={{ overflowWrap: "anywhere" }}>
                  {q.question}
                </Text>
                <Group gap="xs">
                  <QuestionStatusBadge status={q.status} />
                  <Text size="xs" c="dimmed">
                    asked {q.times_asked} {q.times_asked === 1 ? "time" : "times"}, last {formatDateTime(q.last_asked_at)}
                  </Text>
                </Group>
              </Group>
              {q.answer && (
                <Text size="sm" c="dimmed" mt={4} lineClamp={3}>
                  {q.answer}
                </Text>
              )}
            </Paper>
          ))
        )}
      </QueryStates>
    </Stack>
  );
}

export function FaqsTab({ customerId }: { customerId: string }) {
  const { canWrite } = useCrmPermissions();
  const faqs = useFaqsQuery(customerId);
  const [editing, setEditing] = useState<CustomerFaq | "new" | null>(null);
  return (
    <Stack gap="xl">
      <Stack gap="sm">
        <Group justify="space-between">
          <Title order={2} size="h4">
            FAQs
          </Title>
          {canWrite && (
            <Button size="xs" onClick={() => setEditing("new")}>
              Add FAQ
            </Button>
          )}
        </Group>
        <QueryStates
          query={faqs}
          loading="Loading FAQs"
          isEmpty={(rows) => rows.length === 0}
          empty="No FAQs yet. Answers published from the questions inbox land here too."
        >
          {(data) => (
            data.map((faq) => (
              <FaqItem key={faq.id} customerId={customerId} faq={faq} onEdit={() => setEditing(faq)} />
            ))
          )}
        </QueryStates>
      </Stack>
      <CustomerQuestions customerId={customerId} />
      <Modal opened={editing !== null} onClose={() => setEditing(null)} title={editing === "new" ? "New FAQ" : "Edit FAQ"}>
        {editing !== null && (
          <FaqForm customerId={customerId} faq={editing === "new" ? null : editing} onDone={() => setEditing(null)} />
        )}
      </Modal>
    </Stack>
  );
}
