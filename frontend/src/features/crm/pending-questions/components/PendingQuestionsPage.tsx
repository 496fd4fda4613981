import {
  Alert,
  Anchor,
  Button,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
  Textarea,
  useMatches,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ConflictError } from "../../../../api/errors";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { ListPagination } from "../../../../components/ListPagination";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { applyFormErrors } from "../../../../components/formErrors";
import { useListState } from "../../../../components/urlState";
import { useTenantId } from "../../../session/api/session";
import { useCrmPermissions } from "../../customer-detail/permissions";
import { questionKeys } from "../api/keys";
import {
  useAnswerQuestionMutation,
  useAskQuestionMutation,
  useDismissQuestionMutation,
  usePublishQuestionMutation,
  type Publish,
} from "../api/question-mutations";
import { useQuestionsQuery, type PendingQuestion, type QuestionStatus } from "../api/questions-query";
import { CustomerPicker } from "./CustomerPicker";
import { QuestionStatusBadge } from "./QuestionStatusBadge";

const STATUSES: { value: QuestionStatus | "all"; label: string }[] = [
  { value: "open", label: "Open" },
  { value: "answered", label: "Answered" },
  { value: "published", label: "Published" },
  { value: "dismissed", label: "Dismissed" },
  { value: "merged", label: "Merged" },
  { value: "all", label: "All" },
];

/** A failed action on a question: a 409 says the question is not in the state the action needs any more. */
function ActionError({ error }: { error: unknown }) {
  const tenantId = useTenantId();
  const client = useQueryClient();
  if (!(error instanceof ConflictError)) return <ErrorAlert error={error} />;
  return (
    <Alert color="orange" title="This question has moved on" role="alert">
      <Stack gap="xs">
        <Text size="sm">{error.message}</Text>
        <Group>
          <Button
            size="xs"
            variant="light"
            color="orange"
            onClick={() => void client.invalidateQueries({ queryKey: questionKeys.lists(tenantId) })}
          >
            Reload the list
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

// The names come with the list (`customer_name`, `faq_customer_name`): no request per question.
function CustomerLink({ customerId, name, tab }: { customerId: string; name: string | null; tab?: string }) {
  return (
    <Anchor component={Link} to={`/crm/customers/${customerId}${tab ? `?tab=${tab}` : ""}`} underline="always" inherit>
      {name ?? "the customer"}
    </Anchor>
  );
}

function AskForm({ onDone }: { onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<{ question: string; customer_id: string | null }>({
    initialValues: { question: "", customer_id: null },
    validate: { question: (value) => (value.trim().length >= 3 ? null : "Write the question (3 characters or more)") },
  });
  const ask = useAskQuestionMutation({
    onSuccess: ({ question, message }) => {
      notifications.show({
        color: "green",
        message: question.times_asked > 1 ? `${message ?? "Merged."} Asked ${question.times_asked} times now.` : (message ?? "Question recorded."),
      });
      onDone();
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, ["question", "customer_id"])),
  });
  return (
    <form
      noValidate
      aria-label="New question"
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        ask.mutate({ question: values.question, customer_id: values.customer_id });
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <Textarea label="Question" required autosize minRows={2} maxLength={2000} data-autofocus {...form.getInputProps("question")} />
        <CustomerPicker
          label="Customer (optional)"
          description="who asked it"
          value={form.values.customer_id}
          onChange={(id) => form.setFieldValue("customer_id", id)}
          error={form.errors.customer_id}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={ask.isPending}>
            Add question
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function AnswerForm({ question, onDone }: { question: PendingQuestion; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null);
  const form = useForm({
    initialValues: { answer: question.answer ?? "" },
    validate: { answer: (value) => (value.trim() ? null : "Write the answer first") },
  });
  const answer = useAnswerQuestionMutation({
    onSuccess: () => {
      notifications.show({ color: "green", message: "Answer saved. Publish it when it is ready." });
      onDone();
    },
    onError: (e) => {
      const leftover = applyFormErrors(form, e, ["answer"]);
      setError(leftover.length ? e : null);
    },
  });
  return (
    <form
      noValidate
      aria-label="Answer the question"
      onSubmit={form.onSubmit((values) => {
        setError(null);
        answer.mutate({ id: question.id, answer: values.answer });
      })}
    >
      <Stack gap="xs">
        {error !== null && <ActionError error={error} />}
        <Textarea label="Answer" autosize minRows={3} maxRows={12} data-autofocus {...form.getInputProps("answer")} />
        <Group gap="xs">
          <Button type="submit" size="xs" loading={answer.isPending}>
            Save answer
          </Button>
          <Button size="xs" variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

interface PublishValues {
  target: Publish["target"];
  title: string;
  category: string;
  is_public: boolean;
  customer_id: string | null;
}

function PublishForm({ question, onDone }: { question: PendingQuestion; onDone: (q: PendingQuestion) => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [conflict, setConflict] = useState<unknown>(null);
  const form = useForm<PublishValues>({
    initialValues: { target: "knowledge", title: question.question.slice(0, 500), category: "", is_public: false, customer_id: null },
    validate: {
      customer_id: (value, values) =>
        values.target === "faq" && !value && !question.customer_id ? "Choose whose FAQ this becomes" : null,
    },
  });
  const publish = usePublishQuestionMutation({
    onSuccess: onDone,
    onError: (error) => {
      if (error instanceof ConflictError) setConflict(error);
      else setFormErrors(applyFormErrors(form, error, ["title", "category", "is_public", "customer_id"]));
    },
  });
  const submit = form.onSubmit((v) => {
    setFormErrors([]);
    setConflict(null);
    publish.mutate(
      v.target === "knowledge"
        ? { id: question.id, target: "knowledge", title: v.title.trim() || null, category: v.category.trim() || null, is_public: v.is_public }
        : { id: question.id, target: "faq", customer_id: v.customer_id, is_public: false },
    );
  });
  return (
    <form noValidate aria-label="Publish the answer" onSubmit={submit}>
      <Stack>
        {conflict !== null && <ActionError error={conflict} />}
        <FormErrors messages={formErrors} />
        <SegmentedControl
          aria-label="Publish as"
          data={[
            { value: "knowledge", label: "Knowledge entry" },
            { value: "faq", label: "Customer FAQ" },
          ]}
          {...form.getInputProps("target")}
        />
        {form.values.target === "knowledge" ? (
          <>
            <TextInput label="Title" maxLength={500} {...form.getInputProps("title")} />
            <TextInput label="Category" description="a topic's slug (optional)" {...form.getInputProps("category")} />
            <Switch label="Public (shown in the Learning Center)" {...form.getInputProps("is_public", { type: "checkbox" })} />
            <Text size="xs" c="dimmed">
              The entry is marked validated; its embedding is made in the background.
            </Text>
          </>
        ) : (
          <CustomerPicker
            label="Customer"
            description={question.customer_id ? "leave empty for the customer who asked" : "whose FAQ this becomes"}
            value={form.values.customer_id}
            onChange={(id) => form.setFieldValue("customer_id", id)}
            error={form.errors.customer_id}
          />
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={publish.isPending}>
            Publish
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function QuestionCard({ question, onPublished }: { question: PendingQuestion; onPublished: (q: PendingQuestion) => void }) {
  const { canWrite } = useCrmPermissions();
  const [mode, setMode] = useState<"answer" | "publish" | null>(null);
  const dismiss = useDismissQuestionMutation({
    onSuccess: () => notifications.show({ message: "Question dismissed." }),
    onError: () => undefined, // shown in the card
  });
  const actionable = question.status === "open" || question.status === "answered";
  return (
    <Paper withBorder radius="md" p="md" component="article" aria-label={question.question}>
      <Stack gap="xs">
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="sm">
          <Text fw={600} style={{ overflowWrap: "anywhere" }}>
            {question.question}
          </Text>
          <QuestionStatusBadge status={question.status} />
        </Group>
        <Text size="sm" c="dimmed">
          <span data-testid="times-asked">
            Asked {question.times_asked} {question.times_asked === 1 ? "time" : "times"}
          </span>
          {" · last "}
          {formatDateTime(question.last_asked_at)}
          {question.customer_id && (
            <>
              {" · by "}
              <CustomerLink customerId={question.customer_id} name={question.customer_name} />
            </>
          )}
        </Text>
        {question.status === "merged" && (
          <Text size="sm" c="dimmed">
            Asked again in other words: counted on an earlier open question.
          </Text>
        )}
        {question.answer && mode !== "answer" && (
          <Paper bg="var(--mantine-color-gray-light)" p="sm" radius="sm">
            <Text size="xs" c="dimmed" fw={600} tt="uppercase">
              Answer
            </Text>
            <Text size="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }}>
              {question.answer}
            </Text>
          </Paper>
        )}
        {question.knowledge_entry_id && (
          <Anchor component={Link} to={`/command-center/knowledge/${question.knowledge_entry_id}`} size="sm">
            Open the knowledge entry
          </Anchor>
        )}
        {question.faq_id && question.faq_customer_id && (
          <Text size="sm" data-testid="published-faq">
            Published as a FAQ of{" "}
            <CustomerLink customerId={question.faq_customer_id} name={question.faq_customer_name} tab="faqs" />
          </Text>
        )}
        {dismiss.isError && <ActionError error={dismiss.error} />}
        {mode === "answer" && <AnswerForm question={question} onDone={() => setMode(null)} />}
        {canWrite && actionable && mode === null && (
          <Group gap="xs">
            <Button size="xs" variant={question.status === "open" ? "filled" : "light"} onClick={() => setMode("answer")}>
              {question.status === "open" ? "Answer" : "Edit answer"}
            </Button>
            {question.status === "answered" && (
              <Button size="xs" onClick={() => setMode("publish")}>
                Publish…
              </Button>
            )}
            <Button size="xs" variant="subtle" color="gray" loading={dismiss.isPending} onClick={() => dismiss.mutate(question.id)}>
              Dismiss
            </Button>
          </Group>
        )}
      </Stack>
      <Modal opened={mode === "publish"} onClose={() => setMode(null)} title="Publish the answer">
        {mode === "publish" && (
          <PublishForm
            question={question}
            onDone={(published) => {
              setMode(null);
              onPublished(published);
            }}
          />
        )}
      </Modal>
    </Paper>
  );
}

export function PendingQuestionsPage() {
  const { canWrite } = useCrmPermissions();
  const { page, filters, setFilter, setPage } = useListState(["status"] as const);
  const status = (filters.status || "open") as QuestionStatus | "all";
  const questions = useQuestionsQuery({ page, per_page: 20, ...(status === "all" ? {} : { status }) });
  const [asking, setAsking] = useState(false);
  const [published, setPublished] = useState<PendingQuestion | null>(null);
  const segmentSize = useMatches({ base: "xs", sm: "sm" }); // five choices fit a phone's width

  return (
    <>
      <PageHeader title="Pending questions">
        {canWrite && <Button onClick={() => setAsking(true)}>New question</Button>}
      </PageHeader>
      <Text c="dimmed" size="sm" mb="md" maw={720}>
        Questions nobody could answer yet, most asked first. Answer one, then publish the answer as a knowledge entry
        or as a customer&apos;s FAQ.
      </Text>
      {published && (
        <Alert color="teal" mb="md" title="Published" withCloseButton onClose={() => setPublished(null)} closeButtonLabel="Dismiss the notice">
          {published.knowledge_entry_id ? (
            <Anchor component={Link} to={`/command-center/knowledge/${published.knowledge_entry_id}`}>
              Open the new knowledge entry
            </Anchor>
          ) : published.faq_customer_id ? (
            <Anchor component={Link} to={`/crm/customers/${published.faq_customer_id}?tab=faqs`}>
              See {published.faq_customer_name ?? "the customer"}&apos;s FAQs
            </Anchor>
          ) : (
            "The answer is now a customer FAQ."
          )}
        </Alert>
      )}
      <SegmentedControl
        aria-label="Status"
        mb="md"
        data={STATUSES}
        value={status}
        onChange={(value) => setFilter("status", value === "open" ? null : value)}
        size={segmentSize}
        style={{ maxWidth: "100%", overflowX: "auto" }}
      />
      {questions.isPending ? (
        <PageLoader label="Loading questions" />
      ) : questions.isError ? (
        <ErrorAlert error={questions.error} onRetry={() => void questions.refetch()} />
      ) : questions.data.items.length === 0 ? (
        <Text c="dimmed">No {status === "all" ? "" : `${status} `}questions.</Text>
      ) : (
        <>
          <Stack gap="sm">
            {questions.data.items.map((q) => (
              <QuestionCard key={q.id} question={q} onPublished={setPublished} />
            ))}
          </Stack>
          <ListPagination meta={questions.data.pagination} onChange={setPage} />
        </>
      )}
      <Modal opened={asking} onClose={() => setAsking(false)} title="New question">
        {asking && <AskForm onDone={() => setAsking(false)} />}
      </Modal>
    </>
  );
}
