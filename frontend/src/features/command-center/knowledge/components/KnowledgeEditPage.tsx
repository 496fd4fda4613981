import {
  Alert,
  Button,
  Group,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { useNavigate, useParams } from "react-router";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { formatDateTime } from "../../../../components/format";
import { applyServerErrors } from "../../../../components/serverErrors";
import type { Entry } from "../api/entries-query";
import { useEntryDeleteMutation } from "../api/entry-delete-mutation";
import { isEmbedding, useEntryQuery } from "../api/entry-query";
import { useEntrySaveMutation, type EntryCreate } from "../api/entry-save-mutation";
import { useGenerateEmbeddingMutation } from "../api/generate-embedding-mutation";
import { EmbeddingStatusBadge } from "./EmbeddingStatusBadge";
import { VALIDATION } from "../options";

interface Values {
  title: string;
  content: string;
  category: string;
  subcategory: string;
  tags: string[];
  is_public: boolean;
  validation_status: EntryCreate["validation_status"] & string;
}

const FIELDS = ["title", "content", "category", "subcategory", "tags", "is_public", "validation_status"] as const;

function toValues(entry: Entry | undefined): Values {
  return {
    title: entry?.title ?? "",
    content: entry?.content ?? "",
    category: entry?.category ?? "",
    subcategory: entry?.subcategory ?? "",
    tags: entry?.tags ?? [],
    is_public: entry?.is_public ?? false,
    validation_status: entry?.validation_status ?? "unvalidated",
  };
}

function toBody(values: Values): EntryCreate {
  return { ...values, category: values.category.trim() || null, subcategory: values.subcategory.trim() || null };
}

export function EntryForm({ entry }: { entry?: Entry }) {
  const navigate = useNavigate();
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: toValues(entry),
    validate: {
      title: (value) => (value.trim() ? null : "A title is required"),
      content: (value) => (value.trim() ? null : "Content is required"),
    },
  });
  const save = useEntrySaveMutation(entry?.id, {
    onSuccess: (saved) => {
      notifications.show({ color: "green", message: entry ? "Entry saved." : "Entry created; its embedding is queued." });
      form.resetDirty(toValues(saved));
      if (!entry) void navigate(`/command-center/knowledge/${saved.id}`, { replace: true });
    },
    onError: (error) => setFormErrors(applyServerErrors(form, error, FIELDS)),
  });
  const submit = form.onSubmit((values) => {
    setFormErrors([]);
    save.mutate(toBody(values));
  });

  return (
    <form onSubmit={submit} noValidate aria-label={entry ? "Edit entry" : "New entry"}>
      <Stack maw={760}>
        <FormErrors messages={formErrors} />
        <TextInput label="Title" required maxLength={500} {...form.getInputProps("title")} />
        <Textarea label="Content" required autosize minRows={6} maxRows={20} {...form.getInputProps("content")} />
        <Group grow align="flex-start">
          <TextInput label="Category" description="a topic's slug" {...form.getInputProps("category")} />
          <TextInput label="Subcategory" {...form.getInputProps("subcategory")} />
        </Group>
        <TagsInput label="Tags" description="press Enter after each tag" {...form.getInputProps("tags")} />
        <Group grow align="flex-end">
          <Select
            label="Validation"
            data={VALIDATION}
            allowDeselect={false}
            {...form.getInputProps("validation_status")}
          />
          <Switch
            label="Public (shown in the Learning Center)"
            {...form.getInputProps("is_public", { type: "checkbox" })}
          />
        </Group>
        <Group>
          <Button type="submit" loading={save.isPending}>
            {entry ? "Save changes" : "Create entry"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EmbeddingPanel({ entry }: { entry: Entry }) {
  const generate = useGenerateEmbeddingMutation();
  return (
    <Alert
      color={entry.embedding_status === "failed" ? "red" : "gray"}
      variant="light"
      title="Embedding"
      mb="md"
      maw={760}
    >
      <Stack gap="xs">
        <Group gap="sm">
          <EmbeddingStatusBadge status={entry.embedding_status} />
          {entry.embedding_model && (
            <Text size="sm">
              {entry.embedding_model}, {formatDateTime(entry.embedded_at)}
            </Text>
          )}
        </Group>
        {entry.embedding_error && <Text size="sm">{entry.embedding_error}</Text>}
        <Group>
          <Button
            size="xs"
            variant="light"
            onClick={() => generate.mutate(entry.id)}
            loading={generate.isPending}
            disabled={isEmbedding(entry)}
          >
            Generate embedding
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

export function KnowledgeEditPage() {
  const { entryId } = useParams();
  const navigate = useNavigate();
  const entry = useEntryQuery(entryId);
  const remove = useEntryDeleteMutation({ onSuccess: () => void navigate("/command-center/knowledge") });

  if (!entryId) {
    return (
      <>
        <PageHeader title="New knowledge entry" />
        <EntryForm />
      </>
    );
  }
  if (entry.isPending) return <PageLoader label="Loading the entry" />;
  if (entry.isError) return <ErrorAlert error={entry.error} onRetry={() => void entry.refetch()} />;
  return (
    <>
      <PageHeader title={entry.data.title}>
        <Button
          color="red"
          variant="light"
          loading={remove.isPending}
          onClick={() => {
            if (window.confirm("Delete this entry? This cannot be undone.")) remove.mutate(entry.data.id);
          }}
        >
          Delete
        </Button>
      </PageHeader>
      <EmbeddingPanel entry={entry.data} />
      <EntryForm key={entry.data.id} entry={entry.data} />
    </>
  );
}
