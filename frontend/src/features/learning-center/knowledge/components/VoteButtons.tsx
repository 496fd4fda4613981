import { Button, Group, Text } from "@mantine/core";
import { useState } from "react";
import { usePublicVoteMutation } from "../api/public-vote-mutation";

interface Props {
  tenant: string;
  entryId: string;
  helpful: number;
  notHelpful: number;
  title: string;
}

/** "Was this helpful?": one vote per visitor; voting again replaces it. */
export function VoteButtons({ tenant, entryId, helpful, notHelpful, title }: Props) {
  const vote = usePublicVoteMutation(tenant, entryId);
  const [counts, setCounts] = useState<{ helpful: number; notHelpful: number; mine: boolean } | null>(null);
  const cast = (value: boolean) =>
    vote.mutate(value, {
      onSuccess: (result) =>
        setCounts({ helpful: result.helpful_count, notHelpful: result.not_helpful_count, mine: result.helpful }),
    });
  const shown = counts ?? { helpful, notHelpful, mine: null };
  return (
    <Group gap="xs" aria-label={`Feedback on ${title}`} role="group">
      <Text size="sm">Was this helpful?</Text>
      <Button
        size="xs"
        variant={shown.mine === true ? "filled" : "light"}
        onClick={() => cast(true)}
        loading={vote.isPending && vote.variables === true}
        aria-pressed={shown.mine === true}
        aria-label={`Yes, helpful (${shown.helpful})`}
      >
        Yes · {shown.helpful}
      </Button>
      <Button
        size="xs"
        variant={shown.mine === false ? "filled" : "light"}
        color="gray"
        onClick={() => cast(false)}
        loading={vote.isPending && vote.variables === false}
        aria-pressed={shown.mine === false}
        aria-label={`No, not helpful (${shown.notHelpful})`}
      >
        No · {shown.notHelpful}
      </Button>
      {counts && (
        <Text size="sm" c="dimmed" role="status">
          Thanks for your feedback.
        </Text>
      )}
    </Group>
  );
}
