import { ActionIcon, Button, Card, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useState } from "react";
import { ErrorAlert } from "../../../../components/ErrorAlert";
import { FormErrors } from "../../../../components/FormErrors";
import { PageHeader } from "../../../../components/PageHeader";
import { PageLoader } from "../../../../components/PageLoader";
import { applyServerErrors } from "../../../../components/serverErrors";
import { useCategoryDeleteMutation, useCategorySaveMutation } from "../api/category-mutations";
import { flatten, useCategoryTreeQuery, type CategoryNode } from "../api/categories-query";

interface Values {
  name: string;
  slug: string;
  description: string;
  parent_id: string | null;
  display_order: number;
}

const FIELDS = ["name", "slug", "description", "parent_id", "display_order"] as const;

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100);
}

function CategoryForm({ category, tree, onDone }: { category: CategoryNode | null; tree: CategoryNode[]; onDone: () => void }) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm<Values>({
    initialValues: {
      name: category?.name ?? "",
      slug: category?.slug ?? "",
      description: category?.description ?? "",
      parent_id: category?.parent_id ?? null,
      display_order: category?.display_order ?? 0,
    },
    validate: {
      name: (value) => (value.trim() ? null : "A name is required"),
      slug: (value) => (/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(value) ? null : "Lowercase letters, digits and dashes"),
    },
  });
  const save = useCategorySaveMutation(category?.id ?? null, {
    onSuccess: onDone,
    onError: (error) => setFormErrors(applyServerErrors(form, error, FIELDS)),
  });
  // A category cannot move under itself or its own descendants.
  const excluded = new Set(category ? flatten([category]).map(({ node }) => node.id) : []);
  const parents = flatten(tree)
    .filter(({ node }) => !excluded.has(node.id))
    .map(({ node, depth }) => ({ value: node.id, label: `${"— ".repeat(depth)}${node.name}` }));

  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        save.mutate({ ...values, description: values.description.trim() || null });
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        <TextInput
          label="Name"
          required
          {...form.getInputProps("name")}
          onChange={(event) => {
            const name = event.currentTarget.value;
            form.setFieldValue("name", name);
            if (!category && !form.isDirty("slug")) form.setFieldValue("slug", slugify(name));
          }}
        />
        <TextInput label="Slug" required description="entries name it as their category" {...form.getInputProps("slug")} />
        <Textarea label="Description" autosize minRows={2} {...form.getInputProps("description")} />
        <Select label="Parent" data={parents} clearable placeholder="(top level)" {...form.getInputProps("parent_id")} />
        <NumberInput label="Display order" {...form.getInputProps("display_order")} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
            {category ? "Save" : "Add category"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function TreeRows({ nodes, onEdit, onDelete }: { nodes: CategoryNode[]; onEdit: (n: CategoryNode) => void; onDelete: (n: CategoryNode) => void }) {
  return (
    <ul className="category-tree">
      {nodes.map((node) => (
        <li key={node.id}>
          <Group gap="xs" wrap="nowrap" py={4}>
            <Text fw={500}>{node.name}</Text>
            <Text size="xs" c="dimmed">
              {node.slug} · order {node.display_order}
            </Text>
            <Button size="compact-xs" variant="subtle" onClick={() => onEdit(node)} aria-label={`Edit ${node.name}`}>
              Edit
            </Button>
            <ActionIcon
              size="sm"
              variant="subtle"
              color="red"
              onClick={() => onDelete(node)}
              aria-label={`Delete ${node.name}`}
            >
              ✕
            </ActionIcon>
          </Group>
          {node.children && node.children.length > 0 && <TreeRows nodes={node.children} onEdit={onEdit} onDelete={onDelete} />}
        </li>
      ))}
    </ul>
  );
}

export function CategoriesPage() {
  const tree = useCategoryTreeQuery();
  const remove = useCategoryDeleteMutation();
  const [editing, setEditing] = useState<CategoryNode | null | "new">(null);

  return (
    <>
      <PageHeader title="FAQ categories">
        <Button onClick={() => setEditing("new")}>New category</Button>
      </PageHeader>
      {tree.isPending ? (
        <PageLoader label="Loading categories" />
      ) : tree.isError ? (
        <ErrorAlert error={tree.error} onRetry={() => void tree.refetch()} />
      ) : (
        <Card withBorder>
          {tree.data.length === 0 ? (
            <Text c="dimmed">No categories yet. Add the first one.</Text>
          ) : (
            <TreeRows
              nodes={tree.data}
              onEdit={setEditing}
              onDelete={(node) => {
                if (window.confirm(`Delete “${node.name}”?`)) remove.mutate(node.id);
              }}
            />
          )}
        </Card>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === "new" ? "New category" : "Edit category"}
      >
        {editing !== null && (
          <CategoryForm
            category={editing === "new" ? null : editing}
            tree={tree.data ?? []}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
    </>
  );
}
