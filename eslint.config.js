// ESLint 9 flat config for the web console's modules (browser) and their Node tests.
// `npx eslint .` (make lint-js) lints only what is listed here: everything else in the
// repository is Python, or someone else's JavaScript under .venv/ or test-artifacts/.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["**/*", "!api/", "!api/web/", "!api/web/**/*.js", "!tests/", "!tests/web/",
      "!tests/web/**/*.{js,mjs}", "!eslint.config.js"],
  },
  js.configs.recommended,
  {
    files: ["api/web/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["tests/web/**/*.{js,mjs}", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
