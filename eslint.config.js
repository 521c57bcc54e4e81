// ESLint flat config: type-aware rules for every package, plus the dependency rules
// that make Sotto's architecture checkable (see ../shared/STYLE.md).
import tseslint from 'typescript-eslint';

const nodeBuiltins = {
  patterns: [{ group: ['node:*'], message: 'isomorphic code: put platform glue behind an interface' }],
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'test-artifacts/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Tests may poke at internals with loose types.
    files: ['packages/*/test/**/*.ts', 'packages/*/bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Isomorphic packages: no Node built-ins in their core (node-only glue lives in src/node/).
    files: [
      'packages/protocol/src/**/*.ts',
      'packages/client/src/**/*.ts',
      'packages/wire/src/**/*.ts',
      'packages/xeddsa/src/**/*.ts',
    ],
    ignores: ['packages/*/src/node/**'],
    rules: { 'no-restricted-imports': ['error', nodeBuiltins] },
  },
  {
    // The relay cannot read messages because it never imports the code that could.
    files: ['packages/relay/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@sotto/protocol', '@sotto/client'],
              message: 'the relay only speaks @sotto/wire (and checks signatures with @sotto/xeddsa)',
            },
          ],
        },
      ],
    },
  },
);
