import {
  createTheme,
  defaultVariantColorsResolver,
  parseThemeColor,
  type CSSVariablesResolver,
  type VariantColorsResolver,
} from "@mantine/core";

// Mantine's defaults put light and outline badges, subtle buttons, placeholders and dimmed text below WCAG AA
// contrast on white; these overrides darken them (shade 9 text, or near-black for the bright hues whose shade 9
// is still too light; gray 7 for dimmed text and placeholders). Focus rings show on every focus.
const BRIGHT = new Set(["green", "teal", "lime", "yellow", "orange", "cyan"]);

const variantColorResolver: VariantColorsResolver = (input) => {
  const colors = defaultVariantColorsResolver(input);
  const parsed = parseThemeColor({ color: input.color ?? input.theme.primaryColor, theme: input.theme });
  if (!parsed.isThemeColor) return colors;
  const text = BRIGHT.has(parsed.color) ? "var(--mantine-color-dark-8)" : `var(--mantine-color-${parsed.color}-9)`;
  if (input.variant === "light" || input.variant === "subtle") return { ...colors, color: text };
  if (input.variant === "outline") return { ...colors, color: text, border: `1px solid ${text}` };
  return colors;
};

export const theme = createTheme({
  primaryColor: "blue",
  primaryShade: { light: 9, dark: 4 },
  focusRing: "always",
  defaultRadius: "md",
  variantColorResolver,
});

export const cssVariablesResolver: CSSVariablesResolver = (t) => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": t.colors.gray[7] ?? "#495057",
    "--mantine-color-placeholder": t.colors.gray[7] ?? "#495057",
  },
  dark: {},
});
