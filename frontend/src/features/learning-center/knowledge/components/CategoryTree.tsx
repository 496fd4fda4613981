import { Anchor, List } from "@mantine/core";
import { Link } from "react-router";
import type { CategoryNode } from "../api/public-categories-query";

export function CategoryTree({ nodes, base }: { nodes: CategoryNode[]; base: string }) {
  return (
    <List listStyleType="none" withPadding={false} spacing={4}>
      {nodes.map((node) => (
        <List.Item key={node.id}>
          <Anchor component={Link} to={`${base}/categories/${encodeURIComponent(node.slug)}`}>
            {node.name}
          </Anchor>
          {node.children && node.children.length > 0 && (
            <div className="tree-children">
              <CategoryTree nodes={node.children} base={base} />
            </div>
          )}
        </List.Item>
      ))}
    </List>
  );
}
