import { defineConfig, globalIgnores } from "eslint/config";
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

export default defineConfig([
  ...nextVitals,
  ...nextTs,
  globalIgnores([".next/**", ".next-*/**", ".local/**", "node_modules/**", "test-results/**", "playwright-report/**", "next-env.d.ts"]),
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // local/ is an independent peer of the product: it must never import app/ or lib/ (and vice versa).
    files: ["local/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@/app/*", "@/lib/*", "../app/*", "../lib/*", "../../app/*", "../../lib/*"] }],
    },
  },
  {
    files: ["app/**/*.{ts,tsx}", "lib/**/*.ts", "middleware.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: ["@/local/*", "**/local/*"] }],
    },
  },
]);
