import type { Schemas } from "../../../api/client";

export const EMBEDDING: Schemas["ProcessingStatus"][] = ["pending", "processing", "completed", "failed"];
export const VALIDATION: Schemas["ValidationStatus"][] = ["unvalidated", "validated", "needs_review", "rejected"];
export const SORTS: { value: Schemas["KnowledgeSort"]; label: string }[] = [
  { value: "-created_at", label: "Newest" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "title", label: "Title" },
  { value: "-helpful_count", label: "Most helpful" },
  { value: "-usage_count", label: "Most used" },
];
