import { Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { applyFormErrors } from "../../../../components/conflictErrors";
import { FormErrors } from "../../../../components/FormErrors";
import { useSegmentDeleteMutation } from "../api/segment-delete-mutation";
import { useSegmentSaveMutation, type SegmentCreate } from "../api/segment-save-mutation";
import type { Segment } from "../api/segments-query";

const FIELDS = ["name", "description"] as const;

/** Name a new segment (saving `filters`), or rename `segment`. */
export function SegmentNameDialog({
  opened,
  segment,
  filters,
  onClose,
  onSaved,
}: {
  opened: boolean;
  segment: Segment | null;
  filters: SegmentCreate["filters"];
  onClose: () => void;
  onSaved: (segment: Segment) => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title={segment ? "Rename segment" : "Save as a segment"} centered>
      {opened && <SegmentNameForm segment={segment} filters={filters} onSaved={onSaved} />}
    </Modal>
  );
}

function SegmentNameForm({
  segment,
  filters,
  onSaved,
}: {
  segment: Segment | null;
  filters: SegmentCreate["filters"];
  onSaved: (segment: Segment) => void;
}) {
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const form = useForm({
    initialValues: { name: segment?.name ?? "", description: segment?.description ?? "" },
    validate: { name: (value) => (value.trim() ? null : "Give the segment a name") },
  });
  const save = useSegmentSaveMutation({
    onSuccess: (saved) => {
      notifications.show({ color: "green", message: segment ? "Segment renamed." : `Segment “${saved.name}” saved.` });
      onSaved(saved);
    },
    onError: (error) => setFormErrors(applyFormErrors(form, error, FIELDS)),
  });
  return (
    <form
      noValidate
      onSubmit={form.onSubmit((values) => {
        setFormErrors([]);
        const description = values.description.trim() || null;
        if (segment) save.mutate({ segmentId: segment.id, body: { name: values.name, description } });
        else save.mutate({ segmentId: null, body: { name: values.name, description, filters } });
      })}
    >
      <Stack>
        <FormErrors messages={formErrors} />
        {!segment && (
          <Text size="sm" c="dimmed">
            The segment keeps the current search and filters; its members are counted live.
          </Text>
        )}
        <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
        <TextInput label="Description" {...form.getInputProps("description")} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending}>
            {segment ? "Rename" : "Save segment"}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function SegmentDeleteDialog({
  segment,
  onClose,
  onDeleted,
}: {
  segment: Segment | null;
  onClose: () => void;
  onDeleted: () => void;
}) {
  const remove = useSegmentDeleteMutation({
    onSuccess: () => {
      notifications.show({ color: "green", message: "Segment deleted." });
      onDeleted();
    },
  });
  return (
    <Modal opened={segment !== null} onClose={onClose} title="Delete segment" centered>
      <Stack>
        <Text size="sm">
          Delete the segment “{segment?.name}”? Its customers are kept; campaigns using it lose their audience.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => segment && remove.mutate(segment.id)}>
            Delete segment
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
