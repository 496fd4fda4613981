// The bundle budget, checked by every build: the public Learning Center's first load (the entry chunk, the
// Learning Center's route chunks and everything they import statically) must stay within LEARNING_CENTER_KB of
// gzipped JavaScript, and no other chunk may pass CHUNK_KB. A report of every chunk goes to dist/bundle-report.json.
import { gzipSync } from "node:zlib";
import type { Plugin } from "vite";

export const LEARNING_CENTER_KB = 250;
export const CHUNK_KB = 500;

interface ChunkInfo {
  fileName: string;
  isEntry: boolean;
  imports: string[];
  moduleIds: string[];
  code: string;
}

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10;
}

export function bundleBudget(): Plugin {
  return {
    name: "fibonacco-bundle-budget",
    apply: "build",
    generateBundle(_options, bundle) {
      const chunks = new Map<string, ChunkInfo>();
      for (const [fileName, output] of Object.entries(bundle)) {
        if (output.type === "chunk") {
          chunks.set(fileName, {
            fileName,
            isEntry: output.isEntry,
            imports: output.imports,
            moduleIds: output.moduleIds,
            code: output.code,
          });
        }
      }
      const gzipped = new Map([...chunks].map(([name, chunk]) => [name, gzipSync(chunk.code).length]));
      const closure = (roots: string[]): Set<string> => {
        const seen = new Set<string>();
        const stack = [...roots];
        for (let name = stack.pop(); name !== undefined; name = stack.pop()) {
          if (seen.has(name)) continue;
          seen.add(name);
          stack.push(...(chunks.get(name)?.imports ?? []));
        }
        return seen;
      };
      const area = (fragment: string) =>
        [...chunks.values()]
          .filter((c) => c.isEntry || c.moduleIds.some((id) => id.includes(fragment)))
          .map((c) => c.fileName);
      const firstLoad = (fragment: string) =>
        [...closure(area(fragment))].reduce((sum, name) => sum + (gzipped.get(name) ?? 0), 0);

      const report = {
        budgets: { learningCenterFirstLoadKb: LEARNING_CENTER_KB, chunkKb: CHUNK_KB },
        firstLoadGzipKb: {
          learningCenter: kb(firstLoad("/features/learning-center/")),
          commandCenter: kb(firstLoad("/features/command-center/")),
        },
        chunks: [...chunks.values()]
          .map((c) => ({ file: c.fileName, entry: c.isEntry, gzipKb: kb(gzipped.get(c.fileName) ?? 0) }))
          .sort((a, b) => b.gzipKb - a.gzipKb),
      };
      this.emitFile({ type: "asset", fileName: "bundle-report.json", source: JSON.stringify(report, null, 2) });
      console.log(
        `\nbundle: Learning Center first load ${report.firstLoadGzipKb.learningCenter} KB gzip ` +
          `(budget ${LEARNING_CENTER_KB}), Command Center ${report.firstLoadGzipKb.commandCenter} KB`,
      );
      if (report.firstLoadGzipKb.learningCenter > LEARNING_CENTER_KB) {
        this.error(
          `Learning Center first load is ${report.firstLoadGzipKb.learningCenter} KB of gzipped JavaScript, ` +
            `over its ${LEARNING_CENTER_KB} KB budget (see dist/bundle-report.json)`,
        );
      }
      const heavy = report.chunks.filter((c) => c.gzipKb > CHUNK_KB);
      if (heavy.length) {
        this.error(`chunks over ${CHUNK_KB} KB gzip: ${heavy.map((c) => `${c.file} ${c.gzipKb} KB`).join(", ")}`);
      }
    },
  };
}
